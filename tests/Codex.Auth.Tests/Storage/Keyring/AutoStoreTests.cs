using Codex.Auth.Storage;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary><c>auto</c> and <c>keyring</c> when no Secret Service can be reached (a bus address where nothing listens).</summary>
public sealed class AutoStoreTests
{
    private const string Json = """{"OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"at-1","refresh_token":"rt-1","account_id":"acct_f"},"last_refresh":"2026-11-30T10:00:00Z"}""";

    [Fact]
    public async Task Keyring_mode_without_a_reachable_Secret_Service_is_a_typed_error_that_says_what_to_do()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = Unreachable(home);

        var load = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.LoadAsync());
        var save = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.SaveAsync(CodexAuthDocument.Parse(Json, "test")));

        Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, load.Reason);
        Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, save.Reason);
        Assert.Contains("Secret Service", load.Message, StringComparison.Ordinal);
        Assert.Contains("cli_auth_credentials_store = \"file\"", load.Remediation, StringComparison.Ordinal);
        Assert.Contains("Unlock", load.Remediation, StringComparison.Ordinal);
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [Fact]
    public async Task Auto_falls_back_to_auth_json_for_reads_writes_and_deletes_and_says_why()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), Json);
        using var store = new AutoCredentialStore(Unreachable(home), new FileCredentialStore(home.Path));

        CodexAuthDocument? loaded = await store.LoadAsync();

        Assert.NotNull(loaded);
        Assert.Equal("acct_f", loaded.AccountId);
        Assert.True(store.UsesFile);
        Assert.Contains("Secret Service", store.FallbackReason, StringComparison.Ordinal);
        Assert.StartsWith("file: " + home.File("auth.json") + " (auto; ", CodexCredentialStores.Describe(store), StringComparison.Ordinal);

        CodexAuthDocument refreshed = loaded.WithRefreshedTokens(null, "at-2", "rt-2", DateTimeOffset.UnixEpoch.AddYears(57));
        await store.SaveAsync(refreshed);
        CodexAuthDocument? reread = await new FileCredentialStore(home.Path).LoadAsync();
        Assert.True(reread!.HasSameCredentials(refreshed));

        Assert.True(await store.DeleteAsync());
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [Fact]
    public async Task Auto_with_nothing_anywhere_is_not_signed_in_rather_than_an_error()
    {
        using var home = new TempDirectory();
        using var store = new AutoCredentialStore(Unreachable(home), new FileCredentialStore(home.Path));

        Assert.Null(await store.LoadAsync());
    }

    private static KeyringCredentialStore Unreachable(TempDirectory home) =>
        new(home.Path, new SecretServiceKeyring("unix:path=" + home.File("no-bus-here")), timeProvider: null, logger: null);
}
