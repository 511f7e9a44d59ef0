// amazon-cognito-identity-js, unchanged but for its endpoint, against `cognito-harness serve`:
// sign-up, confirmation with the code read from the harness's outbox, SRP sign-in (the
// library's default flow), token refresh, attribute update and global sign-out. Prints what each
// step gave as one JSON object; any unexpected failure exits 1.
//
// usage: node srp_sign_in.mjs <node_modules> <serve url> <user pool id>

import { createRequire } from "node:module";
import path from "node:path";

const [modules, url, poolId] = process.argv.slice(2);
const require = createRequire(path.join(modules, "noop.js"));
const {
  CognitoUserPool,
  CognitoUser,
  CognitoUserAttribute,
  AuthenticationDetails,
} = require("amazon-cognito-identity-js");

/// The harness's own API (not Cognito's wire protocol): make an app client for the pool.
async function createClient() {
  const reply = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.CreateUserPoolClient",
    },
    body: JSON.stringify({ UserPoolId: poolId, ClientName: "web" }),
  });
  if (!reply.ok) throw new Error(`CreateUserPoolClient: ${await reply.text()}`);
  return (await reply.json()).UserPoolClient.ClientId;
}

const promise = (f) =>
  new Promise((resolve, reject) => f((err, data) => (err ? reject(err) : resolve(data))));
const failure = (err) => ({ code: err.code ?? err.name, message: err.message });

const clientId = await createClient();
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: url });
const steps = {};

const signedUp = await promise((cb) =>
  pool.signUp(
    "ada",
    "Passw0rd!",
    [new CognitoUserAttribute({ Name: "email", Value: "ada@example.com" })],
    null,
    cb,
  ),
);
steps.signUp = {
  userConfirmed: signedUp.userConfirmed,
  destination: signedUp.codeDeliveryDetails?.Destination,
};

const messages = await (await fetch(`${url}/_harness/pools/${poolId}/messages?username=ada`)).json();
const code = messages.at(-1).code;
const user = new CognitoUser({ Username: "ada", Pool: pool });
steps.confirm = await promise((cb) => user.confirmRegistration(code, true, cb));

const signIn = (password) =>
  new Promise((resolve, reject) =>
    new CognitoUser({ Username: "ada", Pool: pool }).authenticateUser(
      new AuthenticationDetails({ Username: "ada", Password: password }),
      { onSuccess: (session) => resolve(session), onFailure: reject },
    ),
  );
steps.wrongPassword = await signIn("Wr0ngpass!").then(
  () => ({ unexpected: "signed in" }),
  failure,
);

const signer = new CognitoUser({ Username: "ada", Pool: pool });
const session = await new Promise((resolve, reject) =>
  signer.authenticateUser(new AuthenticationDetails({ Username: "ada", Password: "Passw0rd!" }), {
    onSuccess: resolve,
    onFailure: reject,
  }),
);
const access = session.getAccessToken().decodePayload();
steps.signIn = {
  username: access.username,
  email: session.getIdToken().decodePayload().email,
  tokenUse: access.token_use,
};

const refreshed = await promise((cb) => signer.refreshSession(session.getRefreshToken(), cb));
steps.refresh = {
  sameUser: refreshed.getAccessToken().decodePayload().sub === access.sub,
  newAccessToken: refreshed.getAccessToken().getJwtToken() !== session.getAccessToken().getJwtToken(),
};

steps.updateAttributes = await promise((cb) =>
  signer.updateAttributes([new CognitoUserAttribute({ Name: "name", Value: "Ada Lovelace" })], cb),
);
const attributes = await promise((cb) => signer.getUserAttributes(cb));
steps.attributes = Object.fromEntries(
  attributes.filter((a) => ["email", "name"].includes(a.getName())).map((a) => [a.getName(), a.getValue()]),
);

steps.globalSignOut = await new Promise((resolve, reject) =>
  signer.globalSignOut({ onSuccess: resolve, onFailure: reject }),
);
// The revoked access token no longer reads the profile (signer's session is cleared, so ask
// with the refreshed session's token through a fresh user object).
const stale = new CognitoUser({ Username: "ada", Pool: pool });
stale.setSignInUserSession(refreshed);
steps.afterSignOut = await promise((cb) => stale.getUserAttributes(cb)).then(
  () => ({ unexpected: "still signed in" }),
  failure,
);

process.stdout.write(JSON.stringify(steps));
