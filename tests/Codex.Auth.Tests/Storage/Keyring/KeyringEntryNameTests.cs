using System.Security.Cryptography;
using System.Text;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>The entry names of PROTOCOL §1, on every platform (no keyring needed).</summary>
public sealed class KeyringEntryNameTests
{
    [Fact]
    public void The_user_name_for_the_literal_home_path_is_the_one_PROTOCOL_gives()
    {
        Assert.Equal("cli|940db7b1d0e4eb40", KeyringEntryName.ForCanonicalPath("~/.codex"));
    }

    [Fact]
    public void The_user_name_is_cli_and_the_first_16_hex_of_the_SHA256_of_the_path()
    {
        string path = "/home/someone/.codex";
        string expected = "cli|" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path))).ToLowerInvariant()[..16];

        Assert.Equal(expected, KeyringEntryName.ForCanonicalPath(path));
    }

    [Fact]
    public void Per_platform_names_follow_the_Rust_keyring_crate()
    {
        const string user = "cli|940db7b1d0e4eb40";

        Assert.Equal("cli|940db7b1d0e4eb40@Codex Auth:default (keyring v3.6.3)", KeyringEntryName.SecretServiceLabel(user));
        Assert.Equal("cli|940db7b1d0e4eb40.Codex Auth", KeyringEntryName.WindowsTargetName(user));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["application"] = "rust-keyring",
                ["service"] = "Codex Auth",
                ["target"] = "default",
                ["username"] = user,
            },
            KeyringEntryName.SecretServiceAttributes(user).ToDictionary(a => a.Key, a => a.Value));
    }

    [Fact]
    public void Windows_canonical_paths_are_verbatim_as_Rust_canonicalize_returns_them()
    {
        Assert.Equal(@"\\?\C:\Users\me\.codex", KeyringEntryName.WindowsVerbatim(@"C:\Users\me\.codex"));
        Assert.Equal(@"\\?\UNC\server\share\.codex", KeyringEntryName.WindowsVerbatim(@"\\server\share\.codex"));
        Assert.Equal(@"\\?\C:\already", KeyringEntryName.WindowsVerbatim(@"\\?\C:\already"));
    }

    [Fact]
    public void A_missing_home_is_hashed_as_given_and_an_existing_one_with_links_resolved()
    {
        using var real = new TempDirectory();
        using var links = new TempDirectory();
        string link = links.File("home-link");
        Directory.CreateSymbolicLink(link, real.Path);
        string missing = Path.Combine(real.Path, "not-yet");

        Assert.Equal(missing, KeyringEntryName.Canonicalize(missing));
        Assert.Equal(KeyringEntryName.Canonicalize(real.Path), KeyringEntryName.Canonicalize(link));
        Assert.Equal(KeyringEntryName.ForCodexHome(real.Path), KeyringEntryName.ForCodexHome(link + Path.DirectorySeparatorChar));
        Assert.Equal(KeyringEntryName.Canonicalize(real.Path), KeyringEntryName.ResolveLinks(link));
    }
}
