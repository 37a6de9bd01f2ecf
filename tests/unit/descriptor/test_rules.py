"""The rules relating parts of a descriptor: each broken rule is reported at the value at fault."""

from __future__ import annotations

from sluice_descriptor import load_text
from tests.unit.descriptor.support import BASE, assert_at, only_problem, problems

CHAIN = """\
credential_chains:
  - chain_id: login
    description: Log in, then exchange
    initial_credentials_required: [username, password]
    steps:
      - step_name: session
        endpoint: "{base_url}/login"
        body:
          user: "{username}"
          secret: "{password}"
        extract:
          session: "$.session"
      - step_name: exchange
        endpoint: "{base_url}/token"
        headers:
          X-Session: "{session}"
        extract:
          bearer: "$.access_token"
    final_credential_name: bearer
"""

CHAINED_PROFILE = """\
  - type: basic
    credential_chain_id: login
    fields:
      - key: username
        label: User
      - key: password
        label: Password
        field_type: password
"""


def with_chain(chain: str = CHAIN) -> str:
    text = BASE.replace("authentication:\n", chain + "authentication:\n" + CHAINED_PROFILE)
    assert load_text(text.replace(chain, CHAIN)).ok
    return text


def test_two_profiles_of_one_type_are_refused() -> None:
    text = BASE.replace("operations:\n", "  - type: api_key\noperations:\n")
    problem = only_problem(text)
    assert problem.path == "authentication[1].type"
    assert (
        problem.message
        == "duplicate authentication profile of type 'api_key' (see authentication[0])"
    )
    assert_at(problem, text, "api_key", 2)


def test_operation_ids_are_unique() -> None:
    operation = BASE[BASE.index("  - operation_id: list_items") :]
    text = BASE + operation
    problem = only_problem(text)
    assert problem.path == "operations[1].operation_id"
    assert problem.message == "duplicate operation_id 'list_items' (see operations[0])"
    assert_at(problem, text, "list_items", 2)


def test_mcp_routes_name_operations_unique_tools_and_real_parameters() -> None:
    text = BASE + (
        "mcp_config:\n"
        "  server_name: items\n"
        "  server_description: Items as tools\n"
        "  route_mappings:\n"
        "    - operation_id: list_items\n"
        "      mcp_tool_name: items\n"
        "      mcp_tool_description: List\n"
        "      parameter_mappings: {page: p, pages: q, cursor: since}\n"
        "    - operation_id: get_item\n"
        "      mcp_tool_name: items\n"
        "      mcp_tool_description: Get\n"
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "mcp_config.route_mappings[0].parameter_mappings.pages",
            "'pages' is not a parameter of list_items (parameters: cursor, page, since)",
        ),
        (
            "mcp_config.route_mappings[0].parameter_mappings.cursor",
            "MCP parameter name 'since' would name both 'cursor' and 'since'",
        ),
        ("mcp_config.route_mappings[1].operation_id", "no operation 'get_item'"),
        (
            "mcp_config.route_mappings[1].mcp_tool_name",
            "duplicate tool name 'items' (see route_mappings[0])",
        ),
    ]
    assert_at(found[0], text, "pages: q")
    assert_at(found[2], text, "get_item")
    assert_at(found[3], text, "items\n      mcp_tool_description: Get")


def test_a_profile_names_an_existing_chain() -> None:
    text = with_chain().replace("credential_chain_id: login", "credential_chain_id: logon")
    problem = only_problem(text)
    assert problem.path == "authentication[0].credential_chain_id"
    assert problem.message == "no credential chain 'logon' (declared: login)"
    assert_at(problem, text, "logon")


def test_a_step_may_only_use_initial_credentials_and_earlier_extracts() -> None:
    broken = CHAIN.replace('X-Session: "{session}"', 'X-Session: "{session}{nonce}"').replace(
        'secret: "{password}"', 'secret: "{password}{bearer}"'
    )
    text = with_chain(broken)
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "credential_chains[0].steps[0].body.secret",
            "step 'session' uses {bearer}, but it is only extracted by a later step 'exchange'",
        ),
        (
            "credential_chains[0].steps[1].headers.X-Session",
            "step 'exchange' uses {nonce}, but neither initial_credentials_required nor an earlier"
            " step provides it",
        ),
    ]
    assert_at(found[0], text, '"{password}{bearer}"')
    assert_at(found[1], text, '"{session}{nonce}"')


def test_the_final_credential_comes_from_the_last_step() -> None:
    text = with_chain(
        CHAIN.replace("final_credential_name: bearer", "final_credential_name: session")
    )
    problem = only_problem(text)
    assert problem.path == "credential_chains[0].final_credential_name"
    assert problem.message == (
        "'session' is not extracted by the last step 'exchange' (it extracts: bearer)"
    )


def test_extract_expressions_must_be_jsonpath() -> None:
    text = with_chain(CHAIN.replace('"$.access_token"', '"access_token"'))
    problem = only_problem(text)
    assert problem.path == "credential_chains[0].steps[1].extract.bearer"
    assert problem.message.startswith("invalid JSONPath 'access_token': ")
    assert_at(problem, text, '"access_token"')


def test_templates_use_known_variables_and_functions() -> None:
    text = BASE.replace('"Bearer {token}"', '"Bearer {tokn}"').replace(
        '"{base_url}/items"', '"{base_url}/items?q={sha1({base_url})}"'
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "operations[0].endpoint",
        "operations[0].auth_headers.Authorization",
    ]
    assert found[0].message.startswith("invalid template: unknown function 'sha1' (known: base64, ")
    assert found[1].message == (
        "unknown variable {tokn} (known here: base_url, cursor, page, since, token)"
    )
    assert_at(found[1], text, '"Bearer {tokn}"')


def test_a_template_syntax_error_names_the_character() -> None:
    text = BASE.replace('"Bearer {token}"', '"Bearer {token"')
    problem = only_problem(text)
    assert problem.message == "invalid template: unclosed '{' at character 8"


def test_rate_limit_scopes_are_declared_once_and_referenced_by_name() -> None:
    text = BASE.replace(
        "    tags: [read]\n", "    rate_limit_scope: per_user\n    tags: [read]\n"
    ) + (
        "rate_limits:\n"
        "  - {scope: per_account, limit: 10, interval_seconds: 1}\n"
        "  - {scope: per_account, limit: 20, interval_seconds: 1}\n"
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "operations[0].rate_limit_scope",
            "no rate limit with scope 'per_user' (declared: per_account, per_account)",
        ),
        ("rate_limits[1].scope", "duplicate rate limit scope 'per_account' (see rate_limits[0])"),
    ]
    assert_at(found[0], text, "per_user")
    assert_at(found[1], text, "per_account", 2)


def test_path_parameters_match_endpoint_placeholders() -> None:
    text = BASE.replace('"{base_url}/items"', '"{base_url}/items/{cursor}"').replace(
        "      - name: since\n        location: query\n",
        "      - name: since\n        location: path\n",
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "operations[0].endpoint",
            "{cursor} in the endpoint names a query parameter; declare it with location: path",
        ),
        (
            "operations[0].parameters[2].location",
            "path parameter 'since' has no {since} in the endpoint",
        ),
    ]
    assert_at(found[1], text, "path\n")


def test_oauth_profiles_need_their_endpoints_and_declared_default_scopes() -> None:
    text = BASE.replace(
        "authentication:\n",
        "authentication:\n"
        "  - type: oauth2_client_credentials\n"
        "  - type: oauth2_authorization_code\n"
        "    oauth:\n"
        "      token_url: https://auth.example.com/token\n"
        "      scopes: [{name: read}]\n"
        "      default_scopes: [read, write]\n",
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        ("authentication[0]", "a oauth2_client_credentials profile needs 'oauth' settings"),
        (
            "authentication[1].oauth",
            "an oauth2_authorization_code profile needs oauth.authorize_url",
        ),
        (
            "authentication[1].oauth.default_scopes[1]",
            "default scope 'write' is not one of the declared scopes (read)",
        ),
    ]
    assert_at(found[0], text, "type: oauth2_client_credentials")
    assert_at(found[2], text, "write")


def test_response_schema_must_be_a_json_schema() -> None:
    text = BASE.replace(
        "    tags: [read]\n", "    response_schema: {type: thing}\n    tags: [read]\n"
    )
    problem = only_problem(text)
    assert problem.path == "operations[0].response_schema"
    assert problem.message.startswith("not a valid JSON Schema: 'thing' is not valid")


def test_defaults_fit_their_declared_type() -> None:
    text = BASE.replace(
        "        field_type: integer\n", "        field_type: integer\n        default_value: ten\n"
    )
    problem = only_problem(text)
    assert problem.path == "operations[0].parameters[0].default_value"
    assert (
        problem.message
        == "default_value does not fit field_type integer: expected an integer, got 'ten'"
    )
    assert_at(problem, text, "ten")


def test_parameters_are_unique_per_operation() -> None:
    text = BASE.replace("      - name: since\n", "      - name: page\n")
    problem = only_problem(text)
    assert (problem.path, problem.message) == (
        "operations[0].parameters[2].name",
        "duplicate parameter 'page' (see parameters[0])",
    )


def test_credential_field_names_a_credential_of_the_profile() -> None:
    text = (
        with_chain()
        .replace(
            "    auth_type_ref: api_key\n",
            "    auth_type_ref: basic\n    credential_field: bearr\n",
        )
        .replace('      Authorization: "Bearer {token}"\n', '      X-User: "{username}"\n')
    )
    problem = only_problem(text)
    assert problem.path == "operations[0].credential_field"
    assert (
        problem.message
        == "'bearr' is no credential of profile 'basic' (known: bearer, password, username)"
    )


def test_config_keys_and_credential_keys_cannot_collide() -> None:
    text = BASE.replace(
        "      - key: token\n", "      - key: base_url\n        label: B\n      - key: token\n"
    )
    problem = only_problem(text)
    assert problem.path == "authentication[0].fields[0].key"
    assert "also a source_config key" in problem.message


def test_operations_may_be_empty_only_for_a_database_connector() -> None:
    head = BASE[: BASE.index("operations:")]
    problem = only_problem(head + "operations: []\n")
    assert (problem.path, problem.message) == (
        "operations",
        "a descriptor needs at least one operation (or database_config)",
    )
    assert load_text(head + "operations: []\ndatabase_config: {}\n").ok


def test_database_sync_needs_database_config() -> None:
    text = BASE + "sync:\n  database:\n    cursor_column: changed\n"
    problem = only_problem(text)
    assert problem.path == "sync.database"
    assert problem.message == "sync.database needs a database_config section"
    assert_at(problem, text, "cursor_column")
    database = load_text(BASE + "database_config: {}\nsync:\n  database: {}\n").descriptor
    assert database is not None
    assert database.database_config is not None
    assert (database.database_config.adapter, database.database_config.default_schema) == (
        "postgres",
        "public",
    )


def test_test_endpoint_templates_use_the_profile_and_config_keys() -> None:
    text = BASE.replace(
        "        field_type: secret\n",
        "        field_type: secret\n"
        "    test_endpoint:\n"
        '      url: "{base_url}/me"\n'
        "      headers:\n"
        '        Authorization: "Bearer {page}"\n',
    )
    problem = only_problem(text)
    assert problem.path == "authentication[0].test_endpoint.headers.Authorization"
    assert problem.message == "unknown variable {page} (known here: base_url, token)"
    assert_at(problem, text, '"Bearer {page}"')


def test_a_cache_key_uses_initial_credentials_only() -> None:
    text = with_chain(
        CHAIN.replace(
            "    final_credential_name:",
            '        cache_key: "{bearer}"\n    final_credential_name:',
        )
    )
    problem = only_problem(text)
    assert problem.path == "credential_chains[0].steps[1].cache_key"
    assert problem.message == "unknown variable {bearer} (known here: base_url, password, username)"


def test_source_config_keys_are_unique_and_defaults_fit() -> None:
    text = BASE.replace(
        "    label: Base URL\n",
        "    label: Base URL\n  - key: base_url\n    label: Again\n    field_type: boolean\n"
        "    default_value: maybe\n",
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        ("source_config[1].key", "duplicate key 'base_url' (see source_config[0])"),
        (
            "source_config[1].default_value",
            "default_value does not fit field_type boolean: expected a boolean, got 'maybe'",
        ),
    ]
    assert_at(found[1], text, "maybe")


def test_a_problem_without_position_renders_without_it() -> None:
    problem = only_problem(BASE.replace("auth_type_ref: api_key", "auth_type_ref: none"))
    assert problem.render("x.yaml").startswith("x.yaml:")
    bare = type(problem)("operations", "broken")
    assert bare.render("x.yaml") == "x.yaml: operations: broken"
    assert type(problem)("", "empty").render() == "<descriptor>: empty"
