// A json-server middleware (loaded with json-server's own `--middlewares` option) that makes any
// route flaky on request, for the client's retry tests: none of the third-party servers answers 429
// with a Retry-After header by itself.
//
//   GET /_flaky/<times>/<status>/<retry-after>/<rest of the URL>
//
// answers <status> the first <times> times this exact URL is requested, with `Retry-After:` as
// <retry-after> says (`5` delta-seconds, `date+30` an HTTP date 30 s ahead, `none` no header); after
// that the request goes on as `/<rest of the URL>` (json-server-auth's guards and routes included).
const seen = new Map();

module.exports = (req, res, next) => {
  const match = /^\/_flaky\/(\d+)\/(\d{3})\/([^/]+)(\/.*)$/.exec(req.url);
  if (!match) return next();
  const [, times, status, retryAfter, rest] = match;
  const count = (seen.get(req.url) || 0) + 1;
  seen.set(req.url, count);
  if (count > Number(times)) {
    req.url = rest;
    return next();
  }
  const date = /^date\+(\d+)$/.exec(retryAfter);
  if (date) res.set('Retry-After', new Date(Date.now() + Number(date[1]) * 1000).toUTCString());
  else if (retryAfter !== 'none') res.set('Retry-After', retryAfter);
  return res.status(Number(status)).json({ error: 'flaky', attempt: count });
};
