// A real OpenID Connect provider for auth's tests: `oidc-provider` (panva) with one
// confidential client, code flow with PKCE (S256), ID tokens signed with a fresh RS256 key.
//
//   PORT=... CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URIS="uri uri" node provider.js
//
// Its login page is oidc-provider's development interaction: a test user is whoever signs
// in there, and the login typed becomes the subject (`sub`); the consent page follows.
// It prints "listening <issuer>" once it answers.
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.PORT ?? 0);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID ?? "school",
      client_secret: process.env.CLIENT_SECRET ?? "school-secret",
      redirect_uris: (process.env.REDIRECT_URIS ?? "http://127.0.0.1/signin/external").split(" "),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  cookies: { keys: ["test-cookie-key-not-a-secret"] },
  claims: { openid: ["sub"], profile: ["name"] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name: `Тестовый пользователь ${sub}` };
      },
    };
  },
  // Short codes: a replayed one is refused (oidc-provider also revokes what it issued).
  ttl: { AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 600, Grant: 600 },
});
provider.proxy = false;

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`listening ${issuer}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
