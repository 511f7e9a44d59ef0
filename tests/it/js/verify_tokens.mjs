// Verifies the harness's tokens with aws-jwt-verify, fetching the pool's JWKS from `serve`.
// Usage: node verify_tokens.mjs <node_modules dir> <issuer> <client id> <id token> <access token>
// Prints one JSON line: {"id": {...claims}, "access": {...claims}} or exits 1 with the error.
import { createRequire } from "node:module";
import path from "node:path";

const [modules, issuer, clientId, idToken, accessToken] = process.argv.slice(2);
const require = createRequire(path.join(modules, "package.json"));
const { JwtRsaVerifier } = require("aws-jwt-verify");
const { SimpleJwksCache } = require("aws-jwt-verify/jwk");

// aws-jwt-verify's own fetcher accepts only https: URIs; serve speaks plain HTTP on loopback, so
// the JWKS is fetched with Node's fetch instead. Parsing, caching and checking stay the library's.
const fetcher = { fetch: async (uri) => (await fetch(uri)).arrayBuffer() };
const jwksCache = new SimpleJwksCache({ fetcher });
const jwksUri = `${issuer}/.well-known/jwks.json`;
const ids = JwtRsaVerifier.create({ issuer, audience: clientId, jwksUri }, { jwksCache });
const access = JwtRsaVerifier.create({
  issuer, audience: null, jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access") throw new Error(`token_use is ${payload.token_use}`);
    if (payload.client_id !== clientId) throw new Error(`client_id is ${payload.client_id}`);
  },
}, { jwksCache });
try {
  const id = await ids.verify(idToken);
  const acc = await access.verify(accessToken);
  console.log(JSON.stringify({ id, access: acc }));
} catch (e) {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
}
