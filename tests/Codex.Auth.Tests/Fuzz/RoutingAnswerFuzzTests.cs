using System.Text;
using Codex.Auth.Routing;
using CsCheck;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>
/// Routing-discovery answers (<c>wham/accounts/check</c>) as a hostile or broken backend could send them. Property: any answer →
/// a routing whose origin is HTTPS (or loopback HTTP), bare and without credentials, or a <see cref="CodexAuthException"/>.
/// </summary>
public sealed class RoutingAnswerFuzzTests
{
    private const string Account = "acct_fuzz";
    private static readonly Uri s_base = new("https://chatgpt.com/backend-api/");

    private static readonly string[] s_origins =
    [
        "\"NO_CONSTRAINT\"", "\"https://us.chatgpt.com\"", "\"https://us.chatgpt.com/\"", "\"http://127.0.0.1:8080\"", "\"http://[::1]:1\"",
        "\"http://evil.example\"", "\"https://user:pass@evil.example\"", "\"https://evil.example/path?q=1\"", "\"file:///etc/passwd\"",
        "\"javascript:alert(1)\"", "\"//evil.example\"", "\"https://\"", "\"https://\\ud800.example\"", "\" https://padded.example \"", "null", "1",
    ];

    private static readonly Gen<string> s_account = FuzzInputs.Object(
        Gen.Frequency(
            (3, FuzzInputs.Member(Gen.Const("id"), Gen.Frequency((4, Gen.Const("\"" + Account + "\"")), (1, FuzzInputs.AnyValue)))),
            (3, FuzzInputs.Member(Gen.Const("workspace_backend_origin"), Gen.Frequency((4, Gen.OneOf(s_origins)), (1, FuzzInputs.AnyValue)))),
            (2, FuzzInputs.Member(Gen.Const("account_routing_override"), Gen.Frequency((3, Gen.OneOf("\"NO_CONSTRAINT\"", "\"us\"", "\"US\"", "\"us_cr\"", "\"eu\"")), (1, FuzzInputs.AnyValue))))),
        5);

    private static readonly Gen<byte[]> s_answer = FuzzInputs.Damaged(Gen.Frequency(
        (3, s_account.Array[0, 3].Select(accounts => "{\"accounts\":[" + string.Join(",", accounts) + "]}")),
        (2, Gen.Select(s_account, Gen.Frequency((3, Gen.Const(Account)), (1, FuzzInputs.AnyText)), (account, key) => "{\"accounts\":{" + FuzzInputs.Literal(key) + ":{\"account\":" + account + "}}}")),
        (1, FuzzInputs.AnyValue.Select(v => "{\"accounts\":" + v + "}"))));

    public static TheoryData<string> CorpusFiles => Fuzz.Corpus("routing-answer");

    [Fact]
    public void Any_answer_gives_a_safe_routing_or_a_typed_error() =>
        Fuzz.Run(s_answer, Read, iterations: 3000, print: Fuzz.Print);

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_answer_gives_a_safe_routing_or_a_typed_error(string name) =>
        Read(Fuzz.ReadCorpus("routing-answer", name));

    [Theory]
    [InlineData("duplicate-accounts-key.json")]
    [InlineData("duplicate-origin-in-account.json")]
    [InlineData("lone-surrogate-in-id.json")]
    [InlineData("lone-surrogate-map-key.json")]
    public void Duplicate_keys_and_lone_surrogates_are_a_typed_discovery_failure(string name)
    {
        var ex = Assert.Throws<CodexAuthException>(() => WorkspaceRouting.Parse(Encoding.UTF8.GetString(Fuzz.ReadCorpus("routing-answer", name)), Account, s_base, DateTimeOffset.UnixEpoch));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, ex.Reason);
    }

    private static void Read(byte[] answer) => Fuzz.ValueOrTypedError(() =>
    {
        WorkspaceRouting routing = WorkspaceRouting.Parse(Encoding.UTF8.GetString(answer), Account, s_base, DateTimeOffset.UnixEpoch);
        Uri origin = routing.BackendOrigin;
        Assert.True(origin.Scheme == Uri.UriSchemeHttps || (origin.Scheme == Uri.UriSchemeHttp && origin.IsLoopback), origin.AbsoluteUri);
        Assert.Empty(origin.UserInfo);
        Assert.Equal("/", origin.AbsolutePath);
        Assert.Empty(origin.Query);
        _ = routing.ToString();
    });
}
