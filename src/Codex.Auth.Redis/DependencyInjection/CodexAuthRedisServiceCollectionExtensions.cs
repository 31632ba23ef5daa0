using Codex.Auth;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
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
        services.TryAddSingleton(sp => new RedisCredentialStore(
            connection(sp),
            CreateOptions(configure, name, database),
            TimeProvider.System, // lease renewals run on real time: Redis expires the lease on real time
            sp.GetService<CodexEnvironment>() ?? CodexEnvironment.Process,
            sp.GetService<ILoggerFactory>()?.CreateLogger<RedisCredentialStore>()));
        services.TryAddSingleton<ICodexCredentialStore>(sp => sp.GetRequiredService<RedisCredentialStore>());
        return services;
    }

    private static RedisCredentialStoreOptions CreateOptions(Action<RedisCredentialStoreOptions>? configure, string? name, int database)
    {
        var options = new RedisCredentialStoreOptions();
        if (name is not null)
        {
            options.Name = name;
        }

        if (database >= 0)
        {
            options.Database = database;
        }

        configure?.Invoke(options);
        return options;
    }

    /// <summary>A connection the container created and therefore disposes.</summary>
    private sealed class OwnedConnection(ConnectionMultiplexer multiplexer) : IDisposable
    {
        public ConnectionMultiplexer Multiplexer { get; } = multiplexer;

        public void Dispose() => Multiplexer.Dispose();
    }
}
