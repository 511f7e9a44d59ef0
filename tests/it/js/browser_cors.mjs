// A page on another origin (http://localhost:<port>, served here by node:http on loopback, so
// Chromium's Local Network Access lets it reach `serve` on 127.0.0.1) signs up,
// reads the code from the outbox route, confirms and signs in against `serve` with fetch, the way
// amazon-cognito-identity-js calls Cognito (mode: 'cors', x-amz-target, x-amz-user-agent), in
// Debian's headless Chromium. Meanwhile a second tab has serve's web view (`/_harness/`) open
// from the start; it must show the delivered message with its code and the trigger runs'
// verdicts as they arrive (Playwright's waiting locators, no sleeps), and no markup from the
// user the test signed up beforehand (`<img/src=x/onerror=...>`) may run there. Prints what the
// pages saw as JSON.
//
// Usage: node browser_cors.mjs <node_modules> <chromium> <serve url> <pool id> <client id>
//          <calls the web view must have counted in the end> <the hostile username>
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [modules, chromium, serve, poolId, clientId, calls, hostile] = process.argv.slice(2);
const require = createRequire(join(modules, 'noop.js'));
const { chromium: browserType } = require('playwright-core');

const app = createServer((_, response) => {
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end('<!doctype html><title>app</title><p>app</p>');
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));

const profile = mkdtempSync(join(tmpdir(), 'cognito-harness-chromium-'));
// Playwright makes its own temporary profile only for launch(); a persistent context in a fresh
// folder keeps the flags the machine needs and leaves nothing behind.
const browser = await browserType.launchPersistentContext(profile, {
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const viewer = await browser.newPage();
  await viewer.goto(`${serve}/_harness/`);
  const page = await browser.newPage();
  await page.goto(`http://localhost:${app.address().port}/`);
  const seen = await page.evaluate(async ({ serve, poolId, clientId }) => {
    const call = async (action, body) => {
      const response = await fetch(serve + '/', {
        method: 'POST',
        mode: 'cors',
        cache: 'no-cache',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'AWSCognitoIdentityProviderService.' + action,
          'X-Amz-User-Agent': 'aws-amplify/5.0.4 js',
          'amz-sdk-invocation-id': crypto.randomUUID(),
          'amz-sdk-request': 'attempt=1; max=3',
        },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        requestId: response.headers.get('x-amzn-RequestId') !== null,
        errorType: response.headers.get('x-amzn-ErrorType'),
        body: await response.json(),
      };
    };
    const out = { origin: location.origin };
    const signUp = await call('SignUp', {
      ClientId: clientId, Username: 'hana', Password: 'Passw0rd!',
      UserAttributes: [{ Name: 'email', Value: 'hana@example.com' }],
    });
    out.signUp = { status: signUp.status, requestId: signUp.requestId, confirmed: signUp.body.UserConfirmed };
    const messages = await (await fetch(`${serve}/_harness/pools/${poolId}/messages?username=hana`)).json();
    out.messages = messages.map((m) => ({ destination: m.destination, triggerSource: m.triggerSource, hasCode: /^[0-9]{6}$/.test(m.code) }));
    const code = messages[messages.length - 1].code;
    out.code = code;
    out.wrongCode = await call('ConfirmSignUp', { ClientId: clientId, Username: 'hana', ConfirmationCode: '000000' === code ? '111111' : '000000' });
    out.confirm = (await call('ConfirmSignUp', { ClientId: clientId, Username: 'hana', ConfirmationCode: code })).status;
    const auth = await call('InitiateAuth', {
      ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'hana', PASSWORD: 'Passw0rd!' },
    });
    out.signIn = { status: auth.status, hasTokens: Object.keys(auth.body.AuthenticationResult || {}).sort() };
    out.signOut = (await call('GlobalSignOut', { AccessToken: auth.body.AuthenticationResult.AccessToken })).status;
    out.afterSignOut = await call('GetUser', { AccessToken: auth.body.AuthenticationResult.AccessToken });
    return out;
  }, { serve, poolId, clientId });
  const code = seen.code;
  delete seen.code;
  // The web view polls once a second: wait for it to show the message and a verdict, then for
  // it to have caught up with every call (its status line counts them).
  const codeShown = viewer.locator('article.message .code-value', { hasText: code });
  await codeShown.waitFor({ timeout: 30000 });
  await viewer.locator('article.run .rule', { hasText: 'custom-message.accepted' }).first()
    .waitFor({ timeout: 30000 });
  await viewer.locator('#status', { hasText: `live: ${calls} calls answered` })
    .waitFor({ timeout: 30000 });
  seen.webView = {
    code: (await codeShown.textContent()) === code,
    destinations: await viewer.locator('article.message .destination').allTextContents(),
    rules: await viewer.locator('article.run .rule').allTextContents(),
    statuses: await viewer.locator('table.users td.status').allTextContents(),
    hostileUserShownAsText: (await viewer.getByText(hostile, { exact: true }).count()) > 0,
    injected: await viewer.evaluate(() => typeof window.injected),
  };
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  app.close();
  rmSync(profile, { recursive: true, force: true });
}
