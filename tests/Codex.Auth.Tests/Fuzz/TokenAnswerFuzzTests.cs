using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;
using Codex.Auth.Tests.SignIn;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>
/// The token endpoint's answer to a refresh, as a hostile or broken server could send it, over a real socket. Property: any
/// answer → new headers, or a <see cref="CodexAuthException"/>; after either, auth.json still loads, and after an exception it
/// holds the same usable tokens as before (at most with the refresh token the server rotated).
/// </summary>
public sealed class TokenAnswerFuzzTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _home = new();
    private readonly HttpClient _http = new();
    private ScriptedEndpoint _endpoint = null!;

    public static TheoryData<string> CorpusFiles => Fuzz.Corpus("token-answer");

    public async Task InitializeAsync() => _endpoint = await ScriptedEndpoint.StartAsync();

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        _http.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void Any_refresh_answer_gives_headers_or_a_typed_error_and_never_an_unusable_auth_json() =>
        Fuzz.Run(FuzzInputs.TokenAnswer, answer => RefreshWith(answer.Status, answer.Body), iterations: 400, print: a => $"{a.Status} {Fuzz.Print(a.Body)}");

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_answer_gives_headers_or_a_typed_error(string name) =>
        RefreshWith(200, Fuzz.ReadCorpus("token-answer", name));

    [Fact]
    public async Task An_answer_over_the_size_cap_is_a_typed_failure_and_the_file_is_unchanged()
    {
        byte[] before = WriteExpiredSignIn();
        byte[] huge = new byte[3 * 1024 * 1024];
        Array.Fill(huge, (byte)' ');
        huge[0] = (byte)'{';
        huge[^1] = (byte)'}';
        _endpoint.Answer(200, huge);
        using ChatGptTokenProvider provider = CreateProvider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);
        Assert.Contains("more than 1048576 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_home.File("auth.json")));
    }

    [Fact]
    public async Task An_answer_with_an_unusable_access_token_keeps_the_usable_one_and_the_rotated_refresh_token()
    {
        byte[] before = WriteExpiredSignIn();
        string unusable = FuzzInputs.Jwt("{\"exp\":1,\"exp\":2}"u8.ToArray());
        _endpoint.Answer(200, System.Text.Encoding.UTF8.GetBytes($$"""{"access_token":"{{unusable}}","refresh_token":"rt-rotated"}"""));
        using ChatGptTokenProvider provider = CreateProvider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        _endpoint.Answer(500, "{}"u8.ToArray());
        await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);
        CodexAuthDocument after = CodexAuthDocument.Parse(File.ReadAllText(_home.File("auth.json")), "after");
        CodexAuthDocument original = CodexAuthDocument.Parse(System.Text.Encoding.UTF8.GetString(before), "before");
        Assert.Equal("rt-rotated", after.Tokens!.RefreshToken);
        Assert.Equal(original.Tokens!.AccessToken, after.Tokens.AccessToken);
        Assert.Contains("\"refresh_token\":\"rt-rotated\"", _endpoint.LastRequestBody, StringComparison.Ordinal);
        Assert.DoesNotContain(unusable, ex.ToString(), StringComparison.Ordinal);
    }

    private ChatGptTokenProvider CreateProvider() => new(
        new ChatGptTokenProviderOptions
        {
            CodexHome = _home.Path,
            RefreshTokenUrl = new Uri(_endpoint.BaseAddress, "oauth/token"),
            MaxRefreshRetries = 0,
            ReusedTokenGracePeriod = TimeSpan.Zero,
            WatchStore = false,
        },
        new FakeTimeProvider(s_now),
        _http,
        CodexEnvironment.FromValues(new Dictionary<string, string?>()));

    private byte[] WriteExpiredSignIn()
    {
        CodexAuthDocument document = CodexAuthDocument.CreateChatGpt(
            TestJwt.IdToken("acct_fuzz"),
            TestJwt.AccessToken(s_now.AddHours(-1).ToUnixTimeSeconds()),
            "rt-fuzz",
            "acct_fuzz",
            s_now.AddHours(-2));
        string path = _home.File("auth.json");
        File.WriteAllText(path, document.ToJson());
        return File.ReadAllBytes(path);
    }

    private void RefreshWith(int status, byte[] body)
    {
        byte[] before = WriteExpiredSignIn();
        _endpoint.Answer(status, body);
        bool failed = true;
        Fuzz.ValueOrTypedErrorAsync(async () =>
        {
            using ChatGptTokenProvider provider = CreateProvider();
            _ = (await provider.GetHeadersAsync()).ToString();
            _ = (await provider.GetSessionAsync()).ToString();
            failed = false;
        }).GetAwaiter().GetResult();

        CodexAuthDocument after = CodexAuthDocument.Parse(File.ReadAllText(_home.File("auth.json")), "after");
        if (failed)
        {
            // A failure keeps the usable tokens; at most the refresh token the server rotated is kept beside them.
            CodexAuthDocument original = CodexAuthDocument.Parse(System.Text.Encoding.UTF8.GetString(before), "before");
            Assert.Equal(original.Tokens! with { RefreshToken = after.Tokens!.RefreshToken }, after.Tokens);
            Assert.Equal(original.LastRefresh, after.LastRefresh);
        }

        using ChatGptTokenProvider reader = CreateProvider();
        _ = reader.GetSessionAsync().AsTask().GetAwaiter().GetResult();

        Assert.Empty(Directory.GetFiles(_home.Path, ".auth-*"));
    }
}
