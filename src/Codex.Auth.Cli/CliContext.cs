using Codex.Auth.Configuration;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli;

/// <summary>What every command needs from the outside world: environment, standard streams, the clock.</summary>
internal sealed class CliContext
{
    private CodexConfiguration? _configuration;

    public required CodexEnvironment Environment { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required TextReader In { get; init; }

    /// <summary>Gets a value indicating whether stdin is a pipe or file rather than a terminal.</summary>
    public bool IsInputRedirected { get; init; }

    /// <summary>Gets a value indicating whether stderr is a terminal (then progress is animated).</summary>
    public bool IsErrorTerminal { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static CliContext FromConsole() => new()
    {
        Environment = CodexEnvironment.Process,
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        IsInputRedirected = Console.IsInputRedirected,
        IsErrorTerminal = !Console.IsErrorRedirected,
    };

    /// <summary>The factory every command builds providers with: this context's environment and clock.</summary>
    public CodexProviderFactory CreateProviderFactory() =>
        new(new CodexProviderContext { Environment = Environment, TimeProvider = Time });

    /// <summary>Gets the resolved configuration: the environment, then <c>$CODEX_HOME/config.toml</c>, then the defaults.</summary>
    /// <exception cref="CodexAuthException">config.toml or a <c>CODEX_AUTH_*</c> variable cannot be used, or CODEX_HOME is invalid.</exception>
    public CodexConfiguration Configuration => _configuration ??= CodexConfiguration.Resolve(null, Environment);

    /// <summary>The configured credential store: <c>auth.json</c>, the OS keyring, <c>auto</c> or memory (<c>cli_auth_credentials_store</c>).</summary>
    public ICodexCredentialStore CreateStore() => CodexCredentialStores.Create(Configuration, loggerFactory: null, Time);

    /// <summary>Sign-in options from the PROTOCOL environment overrides, with an optional <c>--issuer</c>.</summary>
    public SignInOptions CreateSignInOptions(Uri? issuer)
    {
        SignInOptions options = SignInOptions.FromEnvironment(Environment).WithRestrictions(Configuration);
        options.TimeProvider = Time;
        if (issuer is not null)
        {
            options.Issuer = issuer;
        }

        return options;
    }
}
