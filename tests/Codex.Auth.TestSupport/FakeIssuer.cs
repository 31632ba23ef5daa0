using System.Text.Json.Nodes;

namespace Codex.Auth.TestSupport;

/// <summary>
/// A scripted OAuth issuer on 127.0.0.1 for the sign-in flows: device code endpoints, the token endpoint and the
/// revoke endpoint, each recorded. Secrets it hands out are distinctive so tests can look for leaks.
/// </summary>
public sealed class FakeIssuer : IAsyncDisposable
{
    public const string DeviceAuthId = "dev-auth-id-123";
    public const string UserCode = "ABCD-EFGH";
    public const string AuthorizationCode = "authcode-SECRET-1";
    public const string DeviceCodeVerifier = "device-verifier-SECRET-2";
    public const string RefreshToken = "rt-SECRET-refresh-3";
    public const string AccountId = "acct_signin_42";

    private readonly LoopbackServer _server;
    private volatile bool _approved;

    private FakeIssuer(LoopbackServer server)
    {
        _server = server;
        server.Respond = Handle;
        IdToken = TestJwt.IdToken(AccountId);
        AccessToken = TestJwt.AccessToken(4_102_444_800); // 2100-01-01
    }

    public Uri Issuer => new(_server.BaseAddress.AbsoluteUri.TrimEnd('/'));

    public string IdToken { get; set; }

    public string AccessToken { get; set; }

    public bool DeviceLoginEnabled { get; set; } = true;

    /// <summary>The raw JSON value of "interval" in the usercode response.</summary>
    public string IntervalJson { get; set; } = "\"5\"";

    public string UserCodeField { get; set; } = "user_code";

    public int RevokeStatus { get; set; } = 200;

    public (int Status, string Body)? TokenResponseOverride { get; set; }

    public IReadOnlyList<SeenRequest> Requests => _server.Requests;

    public IEnumerable<SeenRequest> RequestsTo(string path) => _server.Requests.Where(r => r.Path == path);

    public static async Task<FakeIssuer> StartAsync() => new(await LoopbackServer.StartAsync());

    public void Approve() => _approved = true;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private (int Status, string Body) Handle(SeenRequest request)
    {
        switch (request.Path)
        {
            case "/api/accounts/deviceauth/usercode":
                return DeviceLoginEnabled
                    ? (200, $$"""{"device_auth_id":"{{DeviceAuthId}}","{{UserCodeField}}":"{{UserCode}}","interval":{{IntervalJson}}}""")
                    : (404, """{"error":"not_found"}""");
            case "/api/accounts/deviceauth/token":
                return _approved
                    ? (200, new JsonObject { ["authorization_code"] = AuthorizationCode, ["code_challenge"] = "unused", ["code_verifier"] = DeviceCodeVerifier }.ToJsonString())
                    : (403, """{"error":"authorization_pending"}""");
            case "/oauth/token":
                return TokenResponseOverride ?? (200, new JsonObject
                {
                    ["id_token"] = IdToken,
                    ["access_token"] = AccessToken,
                    ["refresh_token"] = RefreshToken,
                }.ToJsonString());
            case "/oauth/revoke":
                return (RevokeStatus, "{}");
            default:
                return (404, "{}");
        }
    }
}
