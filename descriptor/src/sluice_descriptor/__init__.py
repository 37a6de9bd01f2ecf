"""Sluice connector descriptors (docs/descriptor.md): the format's models, the loader and validator,
templates, and an operation's parameters as an action's input."""

from sluice_descriptor.errors import DescriptorError, MissingVariable, TemplateError
from sluice_descriptor.loader import load_path, load_text
from sluice_descriptor.model import Descriptor, Operation
from sluice_descriptor.params import ParamError, input_schema, validated_params
from sluice_descriptor.problems import Problem, Validation
from sluice_descriptor.templates import Template
from sluice_descriptor.validate import validate_data

__all__ = [
    "Descriptor",
    "DescriptorError",
    "MissingVariable",
    "Operation",
    "ParamError",
    "Problem",
    "Template",
    "TemplateError",
    "Validation",
    "input_schema",
    "load_path",
    "load_text",
    "validate_data",
    "validated_params",
]
