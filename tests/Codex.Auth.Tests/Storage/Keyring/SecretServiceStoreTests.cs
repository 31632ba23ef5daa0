using System.Text.Json.Nodes;
using Codex.Auth.Storage;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>The keyring store against a real gnome-keyring on a private D-Bus session bus.</summary>
[Collection(SecretServiceGroup.Name)]
public sealed class SecretServiceStoreTests(SecretServiceDaemon daemon)
{
    private const string CodexCliJson =
        """{"OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"at-1","refresh_token":"rt-1","account_id":"acct_k"},"last_refresh":"2026-11-30T10:00:00Z","codex_future_field":{"kept":true}}""";

    [SecretServiceFact]
    public async Task An_entry_created_as_the_Codex_CLI_creates_it_is_found_with_unknown_fields_intact()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, CodexCliJson);

        CodexAuthDocument? document = await store.LoadAsync();

        Assert.NotNull(document);
        Assert.Equal("acct_k", document.AccountId);
        Assert.Equal(CodexAuthMode.ChatGpt, document.Mode);
        Assert.True((bool)JsonNode.Parse(document.ToJson())!["codex_future_field"]!["kept"]!);
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [SecretServiceFact]
    public async Task A_save_creates_the_entry_exactly_as_the_Codex_CLI_names_it_and_writes_no_auth_json()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);

        await store.SaveAsync(CodexAuthDocument.Parse(CodexCliJson, "test"));

        string listing = await daemon.SecretToolAsync(null, "search", "--all", "service", "Codex Auth", "username", store.Account);
        Assert.Contains($"label = {store.Account}@Codex Auth:default (keyring v3.6.3)", listing, StringComparison.Ordinal);
        Assert.Contains("attribute.service = Codex Auth", listing, StringComparison.Ordinal);
        Assert.Contains($"attribute.username = {store.Account}", listing, StringComparison.Ordinal);
        Assert.Contains("attribute.target = default", listing, StringComparison.Ordinal);
        Assert.Contains("attribute.application = rust-keyring", listing, StringComparison.Ordinal);
        Assert.Single(listing.Split('\n'), line => line.StartsWith("label = ", StringComparison.Ordinal));

        // The secret is the auth.json JSON itself, on one line as the Codex CLI writes it.
        string secret = await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", store.Account, "target", "default");
        JsonNode stored = JsonNode.Parse(secret)!;
        Assert.Equal("rt-1", (string?)stored["tokens"]!["refresh_token"]);
        Assert.True((bool)stored["codex_future_field"]!["kept"]!);
        Assert.DoesNotContain('\n', secret.TrimEnd('\n'));
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [SecretServiceFact]
    public async Task A_second_save_updates_the_one_entry_and_removes_a_leftover_auth_json()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, CodexCliJson);
        File.WriteAllText(home.File("auth.json"), """{"OPENAI_API_KEY":"sk-stale"}""");

        CodexAuthDocument refreshed = CodexAuthDocument.Parse(CodexCliJson, "test")
            .WithRefreshedTokens("a.b.c", "at-2", "rt-2", DateTimeOffset.Parse("2026-11-30T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await store.SaveAsync(refreshed);

        string listing = await daemon.SecretToolAsync(null, "search", "--all", "service", "Codex Auth", "username", store.Account);
        Assert.Single(listing.Split('\n'), line => line.StartsWith("label = ", StringComparison.Ordinal));
        CodexAuthDocument? reloaded = await store.LoadAsync();
        Assert.NotNull(reloaded);
        Assert.True(reloaded.HasSameCredentials(refreshed));
        Assert.True((bool)JsonNode.Parse(reloaded.ToJson())!["codex_future_field"]!["kept"]!);
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [SecretServiceFact]
    public async Task Delete_removes_the_entry()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, CodexCliJson);

        Assert.True(await store.DeleteAsync());

        Assert.Null(await store.LoadAsync());
        Assert.Equal(string.Empty, await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", store.Account));
        Assert.False(await store.DeleteAsync());
    }

    [SecretServiceFact]
    public async Task An_entry_that_is_not_JSON_is_a_typed_error_and_is_left_as_it_is()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, "not json {");

        var error = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.LoadAsync());

        Assert.Equal(CodexAuthFailureReason.MalformedStore, error.Reason);
        Assert.Contains(store.Account, error.Message, StringComparison.Ordinal);
        Assert.Equal("not json {", await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", store.Account));
    }

    [SecretServiceFact]
    public async Task A_document_over_the_size_cap_is_refused_with_a_typed_error_and_the_entry_is_unchanged()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, CodexCliJson);
        JsonObject big = (JsonObject)JsonNode.Parse(CodexCliJson)!;
        big["padding"] = new string('x', SecretServiceKeyring.DefaultMaxSecretBytes);

        var error = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.SaveAsync(CodexAuthDocument.Parse(big.ToJsonString(), "test")));

        Assert.Equal(CodexAuthFailureReason.CredentialTooLarge, error.Reason);
        Assert.Equal(CodexCliJson, await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", store.Account));
    }

    [SecretServiceFact]
    public async Task A_change_made_by_another_client_is_signalled_to_watchers()
    {
        using var home = new TempDirectory();
        using KeyringCredentialStore store = CreateStore(home.Path);
        await StoreAsCodexCliAsync(store.Account, CodexCliJson);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable watch = store.Watch(() => changed.TrySetResult());
        await ((KeyringCredentialStore.KeyringWatch)watch).Started;

        // The Codex CLI's refresh rewrites the secret of the existing item.
        await StoreAsCodexCliAsync(store.Account, CodexCliJson.Replace("rt-1", "rt-2", StringComparison.Ordinal));

        await changed.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [SecretServiceFact]
    public async Task The_entry_name_follows_the_canonical_Codex_home_through_a_symbolic_link()
    {
        using var home = new TempDirectory();
        using var links = new TempDirectory();
        string link = links.File("codex-link");
        Directory.CreateSymbolicLink(link, home.Path);
        using KeyringCredentialStore direct = CreateStore(home.Path);
        using KeyringCredentialStore viaLink = CreateStore(link);
        await direct.SaveAsync(CodexAuthDocument.Parse(CodexCliJson, "test"));

        Assert.Equal(direct.Account, viaLink.Account);
        Assert.NotNull(await viaLink.LoadAsync());
    }

    private KeyringCredentialStore CreateStore(string home) =>
        new(home, new SecretServiceKeyring(daemon.Address), timeProvider: null, logger: null);

    private Task StoreAsCodexCliAsync(string account, string json) =>
        daemon.SecretToolAsync(
            json,
            "store",
            "--label=" + account + "@Codex Auth:default (keyring v3.6.3)",
            "service", "Codex Auth", "username", account, "target", "default", "application", "rust-keyring");
}
