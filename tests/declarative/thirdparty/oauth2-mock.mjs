// Starts oauth2-mock-server through its library API (the CLI takes no hooks):
//   node oauth2-mock.mjs <host> <port>
// One documented event hook is added: every issued token gets a unique `jti`, as a real provider's
// tokens are unique. Without it the mock signs identical claims twice within one second, and a
// refreshed token could not be told from the one it replaces.
import { randomUUID } from 'node:crypto';
import { Events, OAuth2Server } from 'oauth2-mock-server';

const [host, port] = [process.argv[2] ?? '127.0.0.1', Number(process.argv[3] ?? 8080)];
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on(Events.BeforeTokenSigning, (token) => {
  token.payload.jti = randomUUID();
});
await server.start(port, host);
console.log(`oauth2-mock-server listening on http://${host}:${port}`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
