using Codex.Auth.Backchannel;
using Codex.Auth.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth;

/// <summary>
/// What every provider needs from its host, in one object: the clock, the environment, loggers, the source of
/// back-channel <see cref="HttpClient"/>s and, optionally, the credential store. Every provider is constructed as
/// <c>new XxxProvider(options, context)</c>; <see cref="CodexProviderFactory"/> builds any of them from one context.
/// </summary>
/// <example>
/// <code>
/// var context = new CodexProviderContext { TimeProvider = fakeTime, Environment = CodexEnvironment.FromValues(vars) };
/// using var provider = new ChatGptTokenProvider(new ChatGptTokenProviderOptions(), context);
/// </code>
/// </example>
public sealed class CodexProviderContext
{
    /// <summary>Gets the defaults: the system clock, the process environment, no logging, <see cref="CodexBackchannel.DefaultHttpClientFactory"/>, auth.json.</summary>
    public static CodexProviderContext Default { get; } = new();

    /// <summary>Gets the clock for expiry, refresh timing, assertions and retry delays. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the environment read for <c>CODEX_HOME</c>, credentials and endpoint overrides. Default <see cref="CodexEnvironment.Process"/>.</summary>
    public CodexEnvironment Environment { get; init; } = CodexEnvironment.Process;

    /// <summary>Gets the loggers; nothing they receive contains a secret. Default: none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Gets the source of the clients used for calls to the auth endpoints, asked for <see cref="CodexBackchannel.HttpClientName"/>.
    /// Default <see cref="CodexBackchannel.DefaultHttpClientFactory"/>; with dependency injection, the registered <see cref="IHttpClientFactory"/>.
    /// </summary>
    public IHttpClientFactory HttpClientFactory { get; init; } = CodexBackchannel.DefaultHttpClientFactory;

    /// <summary>
    /// Gets the credential store providers use when their options name none; <see langword="null"/> (the default)
    /// uses <c>auth.json</c> in the Codex home (see <see cref="CodexProviderFactory.OpenStore(string?)"/>).
    /// </summary>
    public ICodexCredentialStore? CredentialStore { get; init; }

    /// <summary>
    /// Creates the context from a service provider: its <see cref="System.TimeProvider"/>, <see cref="CodexEnvironment"/>,
    /// <see cref="ILoggerFactory"/>, <see cref="IHttpClientFactory"/> and <see cref="ICodexCredentialStore"/> when registered,
    /// the defaults otherwise.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The context.</returns>
    public static CodexProviderContext FromServices(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new CodexProviderContext
        {
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
            Environment = services.GetService<CodexEnvironment>() ?? CodexEnvironment.Process,
            LoggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            HttpClientFactory = services.GetService<IHttpClientFactory>() ?? CodexBackchannel.DefaultHttpClientFactory,
            CredentialStore = services.GetService<ICodexCredentialStore>(),
        };
    }

    /// <summary>Creates a context for the older constructors' individual parameters; <see langword="null"/> keeps the default.</summary>
    internal static CodexProviderContext From(TimeProvider? time, HttpClient? httpClient, CodexEnvironment? environment, ILogger? logger) =>
        new()
        {
            TimeProvider = time ?? TimeProvider.System,
            Environment = environment ?? CodexEnvironment.Process,
            LoggerFactory = logger is null ? NullLoggerFactory.Instance : new SingleLoggerFactory(logger),
            HttpClientFactory = httpClient is null ? CodexBackchannel.DefaultHttpClientFactory : new FixedHttpClientFactory(httpClient),
        };

    /// <summary>Creates the back-channel client with <paramref name="policy"/>.</summary>
    internal BackchannelClient CreateBackchannel(BackchannelPolicy policy) => new(HttpClientFactory, TimeProvider, policy);

    /// <summary>Returns a logger for <typeparamref name="T"/>.</summary>
    internal ILogger CreateLogger<T>() => LoggerFactory.CreateLogger<T>();

    /// <summary>Hands one given logger to whichever category asks (the older constructors took a typed logger).</summary>
    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
