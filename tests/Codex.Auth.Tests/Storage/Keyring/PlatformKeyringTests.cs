using System.Text;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>
/// The macOS and Windows keyrings' naming, encoding and error mapping, checked on any OS. Their system calls are not
/// faked: on another OS they refuse with a typed error, which is what <c>auto</c> falls back on.
/// </summary>
public sealed class PlatformKeyringTests
{
    private const string Json = """{"OPENAI_API_KEY":"sk-ünïcödé"}""";

    [Fact]
    public void Windows_blobs_are_UTF16LE_as_the_Rust_crate_writes_them_and_UTF8_blobs_are_read_too()
    {
        byte[] blob = WindowsCredentialManager.Encode(Json);

        Assert.Equal(Encoding.Unicode.GetBytes(Json), blob);
        Assert.Equal((byte)'{', blob[0]);
        Assert.Equal(0, blob[1]);
        Assert.Equal(Json, WindowsCredentialManager.Decode(blob));
        Assert.Equal(Json, WindowsCredentialManager.Decode(Encoding.UTF8.GetBytes(Json)));
    }

    [Fact]
    public void A_Windows_blob_that_is_not_text_is_a_malformed_store()
    {
        var error = Assert.Throws<CodexAuthException>(() => WindowsCredentialManager.Decode([0x7B, 0xFF, 0xFE, 0xFD, 0xC3]));

        Assert.Equal(CodexAuthFailureReason.MalformedStore, error.Reason);
    }

    [Fact]
    public async Task A_secret_over_the_Windows_2560_byte_blob_limit_is_refused_before_any_system_call()
    {
        using var backend = new WindowsCredentialManager();
        string tooBig = "{\"x\":\"" + new string('a', 1275) + "\"}"; // 1,283 characters = 2,566 bytes of UTF-16

        var error = await Assert.ThrowsAsync<CodexAuthException>(async () => await backend.WriteAsync("cli|0123456789abcdef", tooBig, default));

        Assert.Equal(CodexAuthFailureReason.CredentialTooLarge, error.Reason);
        Assert.Contains("2566 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("2560", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"auto\"", error.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_errors_say_what_failed_without_secrets()
    {
        CodexAuthException noSession = WindowsCredentialManager.Failure("CredWriteW", 1312);

        Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, noSession.Reason);
        Assert.Contains("Windows Credential Manager", noSession.Message, StringComparison.Ordinal);
        Assert.Contains("no logon session", noSession.Message, StringComparison.Ordinal);
        Assert.Contains("Win32 error 87", WindowsCredentialManager.Failure("CredReadW", 87).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mac_passwords_are_UTF8_and_keychain_statuses_are_explained()
    {
        Assert.Equal(Encoding.UTF8.GetBytes(Json), MacKeychain.Encode(Json));
        Assert.Equal(Json, MacKeychain.Decode(MacKeychain.Encode(Json)));
        Assert.Equal(CodexAuthFailureReason.MalformedStore, Assert.Throws<CodexAuthException>(() => MacKeychain.Decode([0xC3, 0x28])).Reason);

        CodexAuthException locked = MacKeychain.Failure("SecKeychainFindGenericPassword", -25308);
        Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, locked.Reason);
        Assert.Contains("locked", locked.Message, StringComparison.Ordinal);
        Assert.Contains("Unlock the keyring", locked.Remediation, StringComparison.Ordinal);
        Assert.Contains("OSStatus -1", MacKeychain.Failure("SecKeychainAddGenericPassword", -1).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Off_their_platform_both_refuse_with_a_typed_error_and_the_store_names_the_local_keyring()
    {
        using var home = new TempDirectory();
        IKeyringBackend[] foreign = OperatingSystem.IsWindows() ? [new MacKeychain()]
            : OperatingSystem.IsMacOS() ? [new WindowsCredentialManager()]
            : [new MacKeychain(), new WindowsCredentialManager()];
        foreach (IKeyringBackend backend in foreign)
        {
            var error = await Assert.ThrowsAsync<CodexAuthException>(async () => await backend.ReadAsync("cli|0123456789abcdef", default));
            Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, error.Reason);
            backend.Dispose();
        }

        using var store = new KeyringCredentialStore(home.Path);
        string expected = OperatingSystem.IsWindows() ? "Windows Credential Manager" : OperatingSystem.IsMacOS() ? "macOS keychain" : "Secret Service";
        Assert.Equal(expected, store.KeyringName);
        Assert.Equal("keyring: " + expected, store.Location);
    }
}
