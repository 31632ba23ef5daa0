using Codex.Auth.Storage;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary><c>auto</c> with a working Secret Service: the keyring first, as the Codex CLI does.</summary>
[Collection(SecretServiceGroup.Name)]
public sealed class AutoStoreSecretServiceTests(SecretServiceDaemon daemon)
{
    private const string Json = """{"OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"at-1","refresh_token":"rt-1","account_id":"acct_a"},"last_refresh":"2026-11-30T10:00:00Z"}""";

    [SecretServiceFact]
    public async Task Auto_reads_auth_json_while_the_keyring_has_no_entry_then_saves_to_the_keyring_and_removes_the_file()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), Json);
        var keyring = new KeyringCredentialStore(home.Path, new SecretServiceKeyring(daemon.Address), timeProvider: null, logger: null);
        using var store = new AutoCredentialStore(keyring, new FileCredentialStore(home.Path));

        CodexAuthDocument? fromFile = await store.LoadAsync();
        Assert.NotNull(fromFile);
        Assert.True(store.UsesFile);
        Assert.Null(store.FallbackReason);

        await store.SaveAsync(fromFile.WithRefreshedTokens(null, "at-2", "rt-2", DateTimeOffset.UnixEpoch.AddYears(57)));

        Assert.False(store.UsesFile);
        Assert.Equal("keyring: Secret Service (auto)", CodexCredentialStores.Describe(store));
        Assert.False(File.Exists(home.File("auth.json")));
        Assert.Contains("rt-2", await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", keyring.Account), StringComparison.Ordinal);
        Assert.Equal("acct_a", (await store.LoadAsync())!.AccountId);
    }
}
