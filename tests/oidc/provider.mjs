// The identity provider RectoPlan's sign-in tests run against: the `oidc-provider` package
// (MIT, from the npm registry; `scripts/oidc-provider.sh` installs it next to this file),
// configured like a hospital's provider. The Python fixture (tests/oidc_support.py) starts it
// on loopback with the machine's Node.js and passes everything through the environment:
//
//   OIDC_ISSUER         http://127.0.0.1:<port>  (the port it listens on)
//   OIDC_RP_BASE        RectoPlan's base URL (redirect, post-logout and back-channel URIs)
//   OIDC_CLIENT_SECRET  the secret of the "rectoplan" client and of the "rectoplan-robot"
//   OIDC_API_AUDIENCE   the audience of the robot's JWT access tokens (RectoPlan's API)
//   OIDC_KEYS_FILE      a JSON Web Key Set with the private signing keys (the fixture makes
//                       them, so a test can rotate them by restarting with new ones)
//   OIDC_USERS_FILE     {"<subject>": {claims}}, read at every sign-in (so a test can take a
//                       group away between two sign-ins, as a hospital's directory would)
//
// What it offers: authorization code with PKCE (S256, required), ID tokens carrying the
// profile and groups claims, RP-initiated logout, back-channel logout (with sid), and the
// client-credentials grant with JWT access tokens for a machine client. The sign-in page is
// the package's own development login form (any password; the test users are the accounts).
import { readFileSync } from "node:fs";
import Provider, { errors } from "oidc-provider";

const env = process.env;
const issuer = env.OIDC_ISSUER;
const rpBase = env.OIDC_RP_BASE;
const apiAudience = env.OIDC_API_AUDIENCE;
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const ROBOT = "rectoplan-robot";

const configuration = {
  clients: [
    {
      client_id: "rectoplan",
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: [`${rpBase}/login/oidc/callback`],
      post_logout_redirect_uris: [`${rpBase}/login`],
      backchannel_logout_uri: `${rpBase}/api/oidc/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: ROBOT,
      client_secret: env.OIDC_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      scope: "api",
    },
  ],
  async findAccount(ctx, subject) {
    const user = readJson(env.OIDC_USERS_FILE)[subject];
    if (!user) return undefined;
    return { accountId: subject, claims: async () => ({ sub: subject, ...user }) };
  },
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username", "job_title"],
    email: ["email", "email_verified"],
    groups: ["groups"],
  },
  scopes: ["openid", "profile", "email", "groups", "api"],
  conformIdTokenClaims: false, // groups and names in the ID token, as Keycloak and Entra send them
  jwks: readJson(env.OIDC_KEYS_FILE),
  cookies: { keys: ["rectoplan-tests-only-cookie-key"] },
  pkce: { methods: ["S256"], required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client) => (client.clientId === ROBOT ? apiAudience : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resource) {
        if (resource !== apiAudience) throw new errors.InvalidTarget();
        return {
          scope: "api",
          audience: apiAudience,
          accessTokenFormat: "jwt",
          accessTokenTTL: 600,
        };
      },
    },
  },
  async extraTokenClaims(ctx, token) {
    // the machine client's groups ride in its access token, as Entra's app roles do
    if (token.clientId === ROBOT && !token.accountId) return { groups: ["rectoplan-clinicians"] };
    return undefined;
  },
  async loadExistingGrant(ctx) {
    // a first-party client: the hospital consents for its staff, so no consent page
    const { client, session, result } = ctx.oidc;
    const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: client.clientId,
      accountId: session.accountId,
    });
    grant.addOIDCScope("openid profile email groups");
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
for (const event of ["server_error", "grant.error", "backchannel.error"]) {
  provider.on(event, (...args) => console.error(event, args.at(-1)));
}
const { port, hostname } = new URL(issuer);
provider.listen(Number(port), hostname, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
