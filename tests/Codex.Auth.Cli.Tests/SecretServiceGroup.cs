namespace Codex.Auth.Cli.Tests;

/// <summary>The tests that share one private dbus-daemon + gnome-keyring (each uses its own CODEX_HOME, so its own entry).</summary>
[CollectionDefinition(Name)]
public sealed class SecretServiceGroup : ICollectionFixture<SecretServiceDaemon>
{
    public const string Name = "Secret Service";
}
