using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>
/// Every throw site of the ChatGPT provider and the refresh client, driven for real: no token — old or new, access, refresh or
/// id — and no key appears in <see cref="Exception.ToString"/> (message, inner exceptions, all) or in the CLI's output.
/// </summary>
public sealed class SecretsInExceptionsTests
{
    private const string EchoedSecret = "server-echoed-SECRET";

    public static TheoryData<string> Failures => new()
    {
        "expired", "reused", "invalidated", "bare 401", "5xx", "account mismatch", "not signed in", "unsupported mode", "bad header characters", "malformed jwt", "refresh answer unusable",
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task No_token_appears_in_any_exception(string failure)
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        var secrets = new List<string> { f.SignIn.AccessToken, f.SignIn.RefreshToken, f.SignIn.IdToken, EchoedSecret };
        ChatGptTokenProvider provider = f.CreateProvider(o => o.MaxRefreshRetries = 1);
        _ = await provider.GetHeadersAsync();
        Arrange(f, failure, secrets);
        f.Time.Advance(TimeSpan.FromHours(2));

        ChatGptTokenProvider fresh = failure is "not signed in" or "unsupported mode" or "bad header characters" or "malformed jwt" ? f.CreateProvider() : provider;
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => fresh.GetHeadersAsync().AsTask());

        secrets.AddRange(f.Server.CurrentTokens("acct_main") is { } current ? [current.AccessToken, current.RefreshToken, current.IdToken] : []);
        foreach (string text in new[] { ex.ToString(), fresh.LastRefreshFailure?.ToString() ?? string.Empty, ex.Remediation })
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("reused")]
    [InlineData("invalidated")]
    [InlineData("bare 401")]
    [InlineData("5xx")]
    [InlineData("unsupported mode")]
    [InlineData("bad header characters")]
    public async Task No_token_appears_on_the_CLIs_stderr(string failure)
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        FakeSignIn signIn = server.SignIn(accountId: "acct_main");
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-3)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds(),
        });
        string expiredAccess = (string)doc["tokens"]!["access_token"]!;
        File.WriteAllText(home.File("auth.json"), doc.ToJsonString());
        var secrets = new List<string> { signIn.AccessToken, signIn.RefreshToken, signIn.IdToken, expiredAccess, EchoedSecret };
        ArrangeServer(server, home.File("auth.json"), failure, secrets);

        CliResult result = await CliProcess.RunAsync(home.Path, ["export-token"], null, new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri });

        Assert.NotEqual(0, result.ExitCode);
        secrets.AddRange([server.CurrentTokens("acct_main").AccessToken, server.CurrentTokens("acct_main").RefreshToken]);
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        }

        Assert.StartsWith("codex-auth: ", result.Stderr, StringComparison.Ordinal);
    }

    private static string EchoBody(string code, IEnumerable<string> secrets) =>
        new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = code, ["message"] = "echo " + string.Join(" ", secrets) },
            ["error_description"] = string.Join(" ", secrets),
        }.ToJsonString();

    private static void Arrange(ChatGptFixture f, string failure, List<string> secrets)
    {
        switch (failure)
        {
            case "account mismatch":
                FakeSignIn other = f.Server.SignIn(accountId: "acct_other");
                secrets.AddRange([other.AccessToken, other.RefreshToken, other.IdToken]);
                File.WriteAllText(f.AuthPath, other.ToAuthJson(f.Time.GetUtcNow()));
                break;
            case "not signed in":
                File.Delete(f.AuthPath);
                break;
            default:
                ArrangeServer(f.Server, f.AuthPath, failure, secrets);
                break;
        }
    }

    private static void ArrangeServer(FakeCodexServer server, string authPath, string failure, List<string> secrets)
    {
        switch (failure)
        {
            case "expired":
                server.TokenFaults.Respond(HttpStatusCode.Unauthorized, EchoBody("refresh_token_expired", secrets));
                break;
            case "reused":
                server.TokenFaults.Respond(HttpStatusCode.BadRequest, EchoBody("refresh_token_reused", secrets));
                break;
            case "invalidated":
                server.TokenFaults.Respond(HttpStatusCode.Unauthorized, EchoBody("refresh_token_invalidated", secrets));
                break;
            case "bare 401":
                server.TokenFaults.Respond(HttpStatusCode.Unauthorized, "echo " + string.Join(" ", secrets), times: 3);
                break;
            case "5xx":
                server.TokenFaults.Respond(HttpStatusCode.BadGateway, EchoBody("upstream_down", secrets), times: 10);
                break;
            case "refresh answer unusable":
                string unusable = "eyJhbGciOiJub25lIn0.eyJleHAiOjEsImV4cCI6Mn0.c2ln"; // {"exp":1,"exp":2}
                secrets.Add(unusable);
                server.TokenFaults.Respond(HttpStatusCode.OK, new JsonObject { ["access_token"] = unusable, ["refresh_token"] = "rt-rotated-SECRET" }.ToJsonString());
                secrets.Add("rt-rotated-SECRET");
                break;
            case "unsupported mode":
                secrets.Add("sk-unsupported-SECRET");
                File.WriteAllText(authPath, """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-unsupported-SECRET"}""");
                break;
            case "bad header characters":
                JsonObject bad = (JsonObject)JsonNode.Parse(File.ReadAllText(authPath))!;
                bad["tokens"]!["access_token"] = "opaque\u0001header-SECRET";
                secrets.Add("header-SECRET");
                File.WriteAllText(authPath, bad.ToJsonString());
                break;
            case "malformed jwt":
                JsonObject malformed = (JsonObject)JsonNode.Parse(File.ReadAllText(authPath))!;
                string token = "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImEiLCJlbWFpbCI6ImIifQ.c2lnLVNFQ1JFVA";
                malformed["tokens"]!["id_token"] = token;
                secrets.Add(token);
                File.WriteAllText(authPath, malformed.ToJsonString());
                break;
        }
    }
}
