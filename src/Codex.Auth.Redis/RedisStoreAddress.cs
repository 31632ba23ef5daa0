using System.Globalization;
using StackExchange.Redis;

namespace Codex.Auth.Redis;

/// <summary>
/// A store URI as the CLI takes it: <c>redis://HOST:PORT[/DB][?name=NAME]</c> (<c>rediss://</c> for TLS). It never
/// carries a password: a URI with user information is refused, since command lines and logs are not secret.
/// </summary>
/// <example>
/// <code>
/// RedisStoreAddress address = RedisStoreAddress.Parse("redis://10.0.0.5:6379/2?name=ci-fleet");
/// await using RedisCredentialStore store = await RedisCredentialStore.ConnectAsync(address);
/// </code>
/// </example>
public sealed class RedisStoreAddress
{
    private RedisStoreAddress(string host, int port, int database, string name, bool useTls)
    {
        Host = host;
        Port = port;
        Database = database;
        Name = name;
        UseTls = useTls;
    }

    /// <summary>Gets the host name or address.</summary>
    public string Host { get; }

    /// <summary>Gets the port (default 6379).</summary>
    public int Port { get; }

    /// <summary>Gets the database number, or -1 for the server's default.</summary>
    public int Database { get; }

    /// <summary>Gets the store name (<see cref="RedisCredentialStoreOptions.Name"/>).</summary>
    public string Name { get; }

    /// <summary>Gets a value indicating whether the connection uses TLS (<c>rediss://</c>).</summary>
    public bool UseTls { get; }

    /// <summary>Gets a value indicating whether <paramref name="value"/> looks like a Redis store URI (<c>redis://</c> or <c>rediss://</c>).</summary>
    /// <param name="value">A store argument.</param>
    /// <returns><see langword="true"/> when it starts with a Redis scheme.</returns>
    public static bool IsRedisUri(string? value) =>
        value is not null && (value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a store URI.</summary>
    /// <param name="value">For example <c>redis://127.0.0.1:6379/0?name=prod</c>.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not a valid store URI; the message says why.</exception>
    public static RedisStoreAddress Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || !IsRedisUri(value))
        {
            throw new FormatException("A Redis store is written redis://HOST:PORT[/DB][?name=NAME] (rediss:// for TLS).");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new FormatException("The store URI must not carry a user or password (command lines are not secret); configure Redis authentication on the connection instead.");
        }

        if (uri.Host.Length == 0)
        {
            throw new FormatException("The store URI has no host: write redis://HOST:PORT.");
        }

        int database = -1;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 65535))
        {
            throw new FormatException($"The store URI's path must be a database number (/0, /1, …), not '/{path}'.");
        }

        string name = RedisCredentialStoreOptions.DefaultName;
        string query = uri.Query.TrimStart('?');
        foreach (string part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? part : part[..eq];
            string text = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..]);
            if (!string.Equals(key, "name", StringComparison.Ordinal))
            {
                throw new FormatException($"The store URI's only parameter is name=NAME, not '{key}'.");
            }

            if (!IsValidName(text))
            {
                throw new FormatException("The store name must be 1–64 letters, digits, '.', '_' or '-'.");
            }

            name = text;
        }

        bool tls = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase);
        int port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? 6380 : 6379) : uri.Port;
        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        return new RedisStoreAddress(host, port, database, name, tls);
    }

    /// <summary>Creates StackExchange.Redis settings for this address: no abort on a failed first connect (the store recovers by itself), 5 s timeouts (as the library default).</summary>
    /// <returns>The settings; add a password or certificates to them as your deployment needs.</returns>
    public ConfigurationOptions ToConfigurationOptions()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            AsyncTimeout = 5000,
            SyncTimeout = 5000,
            Ssl = UseTls,
            ClientName = "codex-auth",
            DefaultDatabase = Database >= 0 ? Database : null,
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }

    /// <summary>Returns the URI, for example <c>redis://127.0.0.1:6379/0?name=prod</c>.</summary>
    /// <returns>The URI text (it never holds a secret).</returns>
    public override string ToString()
    {
        string host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        string database = Database >= 0 ? "/" + Database.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return $"{(UseTls ? "rediss" : "redis")}://{host}:{Port.ToString(CultureInfo.InvariantCulture)}{database}?name={Name}";
    }

    internal static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
