using System.Text;
using Codex.Auth.ChatGpt;
using Codex.Auth.Resolution;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>
/// auth.json as a hostile disk would write it. Property: any file → a value or a <see cref="CodexAuthException"/> from every
/// reader (the document parser, the store, the resolver, the ChatGPT provider's session, headers and export), and the file is
/// never changed — not rewritten, not touched, no temp file left beside it.
/// </summary>
public sealed class AuthJsonFuzzTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly CodexEnvironment _environment = FuzzEnvironment.Create();

    public static TheoryData<string> CorpusFiles => Fuzz.Corpus("auth-json");

    public void Dispose()
    {
        _http.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void Any_auth_json_gives_a_value_or_a_typed_error_and_is_never_changed() =>
        Fuzz.Run(FuzzInputs.Damaged(FuzzInputs.AuthJsonText), Use, iterations: 1000, print: Fuzz.Print);

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_file_gives_a_value_or_a_typed_error_and_is_never_changed(string name) =>
        Use(Fuzz.ReadCorpus("auth-json", name));

    [Theory]
    [InlineData("duplicate-top-level-key.json", "duplicate key")]
    [InlineData("duplicate-tokens-member.json", "duplicate key")]
    [InlineData("lone-high-surrogate-escape.json", "\\ud800")]
    [InlineData("lone-low-surrogate-in-key.json", "\\ud800")]
    public async Task Duplicate_keys_and_lone_surrogates_are_a_malformed_store_that_is_left_alone(string name, string why)
    {
        byte[] bytes = Fuzz.ReadCorpus("auth-json", name);
        File.WriteAllBytes(_home.File("auth.json"), bytes);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => new FileCredentialStore(_home.Path).LoadAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains("has not been modified", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(_home.File("auth.json")));
    }

    [Theory]
    [InlineData("id-token-duplicate-claims.json")]
    [InlineData("id-token-duplicate-auth-claims.json")]
    [InlineData("id-token-invalid-utf8-payload.json")]
    [InlineData("id-token-lone-surrogate-payload.json")]
    [InlineData("access-token-duplicate-exp.json")]
    public async Task A_jwt_payload_with_duplicate_claims_or_bad_text_is_a_malformed_token(string name)
    {
        File.WriteAllBytes(_home.File("auth.json"), Fuzz.ReadCorpus("auth-json", name));
        using ChatGptTokenProvider provider = CreateProvider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.MalformedToken, ex.Reason);
    }

    [Fact]
    public async Task Last_refresh_in_year_9999_without_exp_is_a_session_not_an_overflow()
    {
        File.WriteAllBytes(_home.File("auth.json"), Fuzz.ReadCorpus("auth-json", "last-refresh-year-9999-without-exp.json"));
        using ChatGptTokenProvider provider = CreateProvider();

        ChatGptSession session = await provider.GetSessionAsync();
        AuthHeaders headers = await provider.GetHeadersAsync();

        Assert.Null(session.AccessTokenExpiresAt);
        Assert.Equal(DateTimeOffset.MaxValue, session.RefreshDueAt);
        Assert.Equal("acct_fuzz", headers.AccountId);
    }

    [Fact]
    public async Task A_file_over_the_size_cap_is_refused_without_being_read()
    {
        // 160 MB, sparse: the reader must refuse it from its length, not read it.
        string path = _home.File("auth.json");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.SetLength(160L * 1024 * 1024);
        }

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => new FileCredentialStore(_home.Path).LoadAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
        Assert.Contains("more than the 1048576", ex.Message, StringComparison.Ordinal);
        Assert.Equal(160L * 1024 * 1024, new FileInfo(path).Length);
    }

    [Fact]
    public void A_document_over_the_size_cap_is_refused_by_the_parser_too()
    {
        string json = "{\"auth_mode\":\"apikey\",\"OPENAI_API_KEY\":\"" + new string('k', CodexAuthDocument.MaxFileBytes) + "\"}";

        var ex = Assert.Throws<CodexAuthException>(() => CodexAuthDocument.Parse(json, "memory"));

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
    }

    private ChatGptTokenProvider CreateProvider() => new(
        new ChatGptTokenProviderOptions
        {
            CodexHome = _home.Path,
            RefreshTokenUrl = new Uri(FuzzEnvironment.ClosedPort, "oauth/token"),
            MaxRefreshRetries = 0,
            ReusedTokenGracePeriod = TimeSpan.Zero,
            WatchStore = false,
        },
        _time,
        _http,
        _environment);

    private void Use(byte[] bytes)
    {
        string path = _home.File("auth.json");
        File.WriteAllBytes(path, bytes);
        DateTime written = File.GetLastWriteTimeUtc(path);

        Fuzz.ValueOrTypedError(() => CodexAuthDocument.Parse(Encoding.UTF8.GetString(bytes), path).ToString());
        Fuzz.ValueOrTypedError(() => new FileCredentialStore(_home.Path).LoadAsync().AsTask().GetAwaiter().GetResult()?.ToString());
        Fuzz.ValueOrTypedError(() =>
        {
            ResolvedCredential credential = new CodexCredentialResolver(_environment, _time).Resolve(new CodexCredentialResolverOptions { CodexHome = _home.Path, AllowAgentIdentity = true });
            (credential.Provider as IDisposable)?.Dispose();
        });
        Fuzz.ValueOrTypedErrorAsync(async () =>
        {
            using ChatGptTokenProvider provider = CreateProvider();
            _ = (await provider.GetSessionAsync()).ToString();
            _ = (await provider.GetHeadersAsync()).ToString();
            _ = await provider.ExportAccessTokenAsync();
        }).GetAwaiter().GetResult();

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Empty(Directory.GetFiles(_home.Path, ".auth-*"));
    }
}
