using Codex.Auth;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

#pragma warning disable IDE0130 // Extension methods live in the namespace of the type they extend, as Microsoft.Extensions does.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the Redis credential store, which <c>AddCodexAuth</c>'s provider factory then uses for every provider.</summary>
public static class CodexAuthRedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="RedisCredentialStore"/> as the <see cref="ICodexCredentialStore"/> (with <c>TryAdd</c>: register it
    /// before any other store). <c>AddCodexAuth</c>'s <see cref="CodexProviderContext"/> picks it up, so every provider reads,
    /// refreshes and writes the shared sign-in. The connection is made on first use and reconnects by itself.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connection">A store URI (<c>redis://HOST:PORT[/DB][?name=NAME]</c>) or a StackExchange.Redis configuration string (<c>host:port,password=…</c>).</param>
    /// <param name="configure">Configures the store (name, key, lease); the key defaults to <c>CODEX_AUTH_STORE_KEY</c>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <remarks>The options are validated when the host starts (<c>ValidateOnStart</c>): an invalid one stops it with an <see cref="OptionsValidationException"/> naming the option.</remarks>
    /// <example>
    /// <code>
    /// builder.Services.AddCodexAuth(o => o.Source = CodexCredentialSource.ChatGpt)
    ///     .AddCodexAuthRedisStore("redis://redis.internal:6379?name=fleet");
    /// </code>
    /// </example>
    public static IServiceCollection AddCodexAuthRedisStore(this IServiceCollection services, string connection, Action<RedisCredentialStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        ConfigurationOptions configuration;
        string? name = null;
        int database = -1;
        if (RedisStoreAddress.IsRedisUri(connection))
        {
            RedisStoreAddress address = RedisStoreAddress.Parse(connection);
            configuration = address.ToConfigurationOptions();
            name = address.Name;
            database = address.Database;
        }
        else
        {
            configuration = ConfigurationOptions.Parse(connection);
            configuration.AbortOnConnectFail = false;
        }

        services.TryAddSingleton(_ => new OwnedConnection(ConnectionMultiplexer.Connect(configuration)));
        return AddStore(services, sp => sp.GetRequiredService<OwnedConnection>().Multiplexer, configure, name, database);
    }

    /// <summary>
    /// Registers a <see cref="RedisCredentialStore"/> on a connection: <paramref name="connection"/>, or else the
    /// <see cref="IConnectionMultiplexer"/> registered in the container (create it with <c>AbortOnConnectFail = false</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connection">The connection, or <see langword="null"/> for the registered one. The store does not dispose it.</param>
    /// <param name="configure">Configures the store (name, key, lease).</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddCodexAuthRedisStore(this IServiceCollection services, IConnectionMultiplexer? connection = null, Action<RedisCredentialStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddStore(services, sp => connection ?? sp.GetRequiredService<IConnectionMultiplexer>(), configure, null, -1);
    }

    private static IServiceCollection AddStore(IServiceCollection services, Func<IServiceProvider, IConnectionMultiplexer> connection, Action<RedisCredentialStoreOptions>? configure, string? name, int database)
    {
        if (services.Any(d => d.ServiceType == typeof(RedisCredentialStore)))
        {
            return services; // TryAdd semantics: the first registration wins, its options untouched
        }

        // The options go through the options system so that a bad value stops the host at start, with the same
        // OptionsValidationException the store's constructor throws outside dependency injection.
        OptionsBuilder<RedisCredentialStoreOptions> options = services.AddOptions<RedisCredentialStoreOptions>().Configure(o =>
        {
            if (name is not null)
            {
                o.Name = name;
            }

            if (database >= 0)
            {
                o.Database = database;
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCredentialStoreOptions>>(RedisCredentialStoreOptionsValidator.Instance));
        services.TryAddSingleton(sp => new RedisCredentialStore(
            connection(sp),
            sp.GetRequiredService<IOptions<RedisCredentialStoreOptions>>().Value,
            TimeProvider.System, // lease renewals run on real time: Redis expires the lease on real time
            sp.GetService<CodexEnvironment>() ?? CodexEnvironment.Process,
            sp.GetService<ILoggerFactory>()?.CreateLogger<RedisCredentialStore>()));
        services.TryAddSingleton<ICodexCredentialStore>(sp => sp.GetRequiredService<RedisCredentialStore>());
        return services;
    }

    /// <summary>A connection the container created and therefore disposes.</summary>
    private sealed class OwnedConnection(ConnectionMultiplexer multiplexer) : IDisposable
    {
        public ConnectionMultiplexer Multiplexer { get; } = multiplexer;

        public void Dispose() => Multiplexer.Dispose();
    }
}
