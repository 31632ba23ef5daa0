using System.Text;
using Tmds.DBus.Protocol;

namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// The freedesktop Secret Service (gnome-keyring, KWallet, KeePassXC) over the D-Bus session bus, with
/// Tmds.DBus.Protocol. Items are created exactly as the Rust <c>keyring</c> crate the Codex CLI uses creates them:
/// in the default collection, attributes <c>service</c>, <c>username</c>, <c>target=default</c>,
/// <c>application=rust-keyring</c>, label <c>&lt;user&gt;@Codex Auth:default (keyring v3.6.3)</c>, the secret as
/// UTF-8 text (<c>text/plain</c>). Secrets travel in a <c>plain</c> session: the bus is local to the user's login session.
/// </summary>
internal sealed class SecretServiceKeyring : IKeyringBackend
{
    /// <summary>Our cap on a secret (an auth.json is a few kilobytes); larger writes and reads are refused.</summary>
    public const int DefaultMaxSecretBytes = 64 * 1024;

    private const string Destination = "org.freedesktop.secrets";
    private const string ServicePath = "/org/freedesktop/secrets";
    private const string ServiceInterface = "org.freedesktop.Secret.Service";
    private const string CollectionInterface = "org.freedesktop.Secret.Collection";
    private const string ItemInterface = "org.freedesktop.Secret.Item";
    private const string NoObject = "/";

    private readonly string? _address;
    private readonly TimeSpan _callTimeout;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private DBusConnection? _connection;
    private string? _session;
    private int _disposed;

    /// <summary>Creates a client for the bus at <paramref name="address"/> (default: <c>DBUS_SESSION_BUS_ADDRESS</c>).</summary>
    public SecretServiceKeyring(string? address = null, TimeSpan? callTimeout = null)
    {
        _address = address;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <inheritdoc />
    public string Name => "Secret Service";

    /// <inheritdoc />
    public int MaxSecretBytes => DefaultMaxSecretBytes;

    /// <inheritdoc />
    public async ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken)
    {
        string? item = await FindItemAsync(user, cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            return null;
        }

        (DBusConnection connection, string session) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        byte[] secret = await CallAsync(
            connection,
            GetSecretMessage(connection, item, session),
            static (message, _) =>
            {
                Reader reader = message.GetBodyReader();
                reader.AlignStruct();
                _ = reader.ReadObjectPath();
                _ = reader.ReadArrayOfByte();
                return reader.ReadArrayOfByte();
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            if (secret.Length > MaxSecretBytes)
            {
                throw KeyringErrors.TooLarge(Name, secret.Length, MaxSecretBytes);
            }

            return DecodeUtf8(secret);
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(secret);
        try
        {
            if (bytes.Length > MaxSecretBytes)
            {
                throw KeyringErrors.TooLarge(Name, bytes.Length, MaxSecretBytes);
            }

            string? item = await FindItemAsync(user, cancellationToken).ConfigureAwait(false);
            (DBusConnection connection, string session) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (item is not null)
            {
                // As the Rust crate does: update the existing item rather than create a second one.
                await CallAsync(connection, SetSecretMessage(connection, item, session, bytes), static (_, _) => true, cancellationToken).ConfigureAwait(false);
                return;
            }

            string collection = await CallAsync(
                connection,
                ReadAliasMessage(connection, "default"),
                static (message, _) => message.GetBodyReader().ReadObjectPathAsString(),
                cancellationToken).ConfigureAwait(false);
            if (collection == NoObject)
            {
                throw KeyringErrors.Unavailable(Name, "it has no default collection (keyring) to create the entry in");
            }

            (string created, string prompt) = await CallAsync(
                connection,
                CreateItemMessage(connection, collection, session, user, bytes),
                static (message, _) =>
                {
                    Reader reader = message.GetBodyReader();
                    return (reader.ReadObjectPathAsString(), reader.ReadObjectPathAsString());
                },
                cancellationToken).ConfigureAwait(false);
            if (created == NoObject || prompt != NoObject)
            {
                throw KeyringErrors.Unavailable(Name, "the default collection is locked and asked for a password");
            }
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken)
    {
        bool deleted = false;
        while (await FindItemAsync(user, cancellationToken).ConfigureAwait(false) is { } item)
        {
            (DBusConnection connection, _) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            string prompt = await CallAsync(
                connection,
                DeleteMessage(connection, item),
                static (message, _) => message.GetBodyReader().ReadObjectPathAsString(),
                cancellationToken).ConfigureAwait(false);
            if (prompt != NoObject)
            {
                throw KeyringErrors.Unavailable(Name, "deleting the entry asked for a password");
            }

            deleted = true;
        }

        return deleted;
    }

    /// <inheritdoc />
    public async ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken)
    {
        (DBusConnection connection, _) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var rule = new MatchRule
        {
            Type = MessageType.Signal,
            Interface = CollectionInterface,
        };

        // ItemCreated / ItemChanged / ItemDeleted of any collection: spurious callbacks are allowed, missed ones are not.
        // When the connection ends the subscription is gone: onLost lets the caller switch to polling.
        try
        {
            return await connection.AddMatchAsync(
            rule,
            static notification =>
            {
                var (changed, lost) = ((Action, Action))notification.State!;
                switch (notification.Type)
                {
                    case NotificationType.Value:
                        changed();
                        break;
                    case NotificationType.ObserverDisposed:
                        break;
                    default:
                        lost();
                        break;
                }
            },
            emitOnCapturedContext: false,
            ObserverFlags.EmitOnConnectionClosed | ObserverFlags.EmitOnConnectionFailed,
            (onChanged, onLost)).ConfigureAwait(false);
        }
        catch (DBusExceptionBase ex)
        {
            Reset(connection);
            throw KeyringErrors.Unavailable(Name, $"its change signals could not be subscribed to ({ex.GetType().Name})", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Reset(null);
        }
    }

    private static string DecodeUtf8(byte[] secret)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(secret);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedStore,
                "The keyring entry for Codex is not UTF-8 text. It has not been modified.",
                "Remove the entry (`codex logout`) and sign in again.",
                ex);
        }
    }

    private async ValueTask<string?> FindItemAsync(string user, CancellationToken cancellationToken)
    {
        (DBusConnection connection, _) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        (string[] unlocked, string[] locked) = await CallAsync(
            connection,
            SearchItemsMessage(connection, user),
            static (message, _) =>
            {
                Reader reader = message.GetBodyReader();
                return (ToStrings(reader.ReadArrayOfObjectPath()), ToStrings(reader.ReadArrayOfObjectPath()));
            },
            cancellationToken).ConfigureAwait(false);
        if (unlocked.Length > 0)
        {
            return unlocked[0];
        }

        if (locked.Length == 0)
        {
            return null;
        }

        (string[] nowUnlocked, string prompt) = await CallAsync(
            connection,
            UnlockMessage(connection, locked),
            static (message, _) =>
            {
                Reader reader = message.GetBodyReader();
                return (ToStrings(reader.ReadArrayOfObjectPath()), reader.ReadObjectPathAsString());
            },
            cancellationToken).ConfigureAwait(false);
        if (nowUnlocked.Length > 0)
        {
            return nowUnlocked[0];
        }

        throw KeyringErrors.Unavailable(
            Name,
            prompt != NoObject ? "the keyring holding the entry is locked and asked for a password" : "the keyring holding the entry is locked");
    }

    private static string[] ToStrings(ObjectPath[] paths) => Array.ConvertAll(paths, static p => p.ToString());

    private async ValueTask<(DBusConnection Connection, string Session)> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _connection) is { } ready && _session is { } readySession)
        {
            return (ready, readySession);
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { } existing && _session is { } existingSession)
            {
                return (existing, existingSession);
            }

            string? address = string.IsNullOrEmpty(_address) ? DBusAddress.Session : _address;
            if (string.IsNullOrEmpty(address))
            {
                throw KeyringErrors.Unavailable(Name, "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)");
            }

            var connection = new DBusConnection(address);
            try
            {
                await connection.ConnectAsync().AsTask().WaitAsync(_callTimeout, cancellationToken).ConfigureAwait(false);
                string session = await CallAsync(
                    connection,
                    OpenSessionMessage(connection),
                    static (message, _) =>
                    {
                        Reader reader = message.GetBodyReader();
                        _ = reader.ReadVariantValue();
                        return reader.ReadObjectPathAsString();
                    },
                    cancellationToken,
                    resetOnFailure: false).ConfigureAwait(false);
                _session = session;
                Volatile.Write(ref _connection, connection);
                return (connection, session);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                connection.Dispose();
                if (ex is CodexAuthException)
                {
                    throw;
                }

                throw KeyringErrors.Unavailable(Name, $"the D-Bus session bus could not be reached ({ex.GetType().Name})", ex);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<T> CallAsync<T>(DBusConnection connection, MessageBuffer message, MessageValueReader<T> reader, CancellationToken cancellationToken, bool resetOnFailure = true)
    {
        try
        {
            return await connection.CallMethodAsync(message, reader, null).WaitAsync(_callTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (DBusErrorReplyException ex)
        {
            // The error name is the service's (e.g. org.freedesktop.DBus.Error.ServiceUnknown when no Secret Service
            // runs, org.freedesktop.Secret.Error.IsLocked); the message is the service's text about its objects.
            string what = ex.ErrorName switch
            {
                "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner" =>
                    "no Secret Service (gnome-keyring, KWallet) is running on the session bus",
                "org.freedesktop.Secret.Error.IsLocked" => "the keyring is locked",
                "org.freedesktop.DBus.Error.AccessDenied" => "access was denied",
                _ => $"the Secret Service answered {ex.ErrorName}",
            };
            throw KeyringErrors.Unavailable(Name, what, ex);
        }
        catch (TimeoutException ex)
        {
            if (resetOnFailure)
            {
                Reset(connection);
            }

            throw KeyringErrors.Unavailable(Name, $"the Secret Service did not answer within {_callTimeout.TotalSeconds:0} s", ex);
        }
        catch (DBusExceptionBase ex)
        {
            if (resetOnFailure)
            {
                Reset(connection);
            }

            throw KeyringErrors.Unavailable(Name, $"the D-Bus connection failed ({ex.GetType().Name})", ex);
        }
    }

    private void Reset(DBusConnection? failed)
    {
        DBusConnection? current = Volatile.Read(ref _connection);
        if (failed is not null && !ReferenceEquals(current, failed))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _connection, null, current) == current)
        {
            _session = null;
            current?.Dispose();
        }
    }

    private static MessageBuffer OpenSessionMessage(DBusConnection connection)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, ServicePath, ServiceInterface, "OpenSession", "sv", MessageFlags.None);
            writer.WriteString("plain");
            writer.WriteVariantString(string.Empty);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer SearchItemsMessage(DBusConnection connection, string user)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, ServicePath, ServiceInterface, "SearchItems", "a{ss}", MessageFlags.None);

            // The Rust crate looks up by service + username + target.
            ArrayStart start = writer.WriteDictionaryStart();
            WriteEntry(ref writer, "service", KeyringEntryName.Service);
            WriteEntry(ref writer, "username", user);
            WriteEntry(ref writer, "target", KeyringEntryName.Target);
            writer.WriteDictionaryEnd(start);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer UnlockMessage(DBusConnection connection, string[] items)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, ServicePath, ServiceInterface, "Unlock", "ao", MessageFlags.None);
            writer.WriteArray(Array.ConvertAll(items, static i => new ObjectPath(i)));
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer ReadAliasMessage(DBusConnection connection, string alias)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, ServicePath, ServiceInterface, "ReadAlias", "s", MessageFlags.None);
            writer.WriteString(alias);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer GetSecretMessage(DBusConnection connection, string item, string session)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, item, ItemInterface, "GetSecret", "o", MessageFlags.None);
            writer.WriteObjectPath(session);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer SetSecretMessage(DBusConnection connection, string item, string session, byte[] secret)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, item, ItemInterface, "SetSecret", "(oayays)", MessageFlags.None);
            WriteSecret(ref writer, session, secret);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer DeleteMessage(DBusConnection connection, string item)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, item, ItemInterface, "Delete", null, MessageFlags.None);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer CreateItemMessage(DBusConnection connection, string collection, string session, string user, byte[] secret)
    {
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(Destination, collection, CollectionInterface, "CreateItem", "a{sv}(oayays)b", MessageFlags.None);

            ArrayStart properties = writer.WriteDictionaryStart();
            writer.WriteDictionaryEntryStart();
            writer.WriteString("org.freedesktop.Secret.Item.Label");
            writer.WriteVariantString(KeyringEntryName.SecretServiceLabel(user));

            writer.WriteDictionaryEntryStart();
            writer.WriteString("org.freedesktop.Secret.Item.Attributes");
            writer.WriteSignature("a{ss}");
            ArrayStart attributes = writer.WriteDictionaryStart();
            foreach (KeyValuePair<string, string> attribute in KeyringEntryName.SecretServiceAttributes(user))
            {
                WriteEntry(ref writer, attribute.Key, attribute.Value);
            }

            writer.WriteDictionaryEnd(attributes);
            writer.WriteDictionaryEnd(properties);

            WriteSecret(ref writer, session, secret);
            writer.WriteBool(true); // replace an item with the same attributes
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static void WriteEntry(ref MessageWriter writer, string key, string value)
    {
        writer.WriteDictionaryEntryStart();
        writer.WriteString(key);
        writer.WriteString(value);
    }

    private static void WriteSecret(ref MessageWriter writer, string session, byte[] secret)
    {
        writer.WriteStructureStart();
        writer.WriteObjectPath(session);
        writer.WriteArray(ReadOnlySpan<byte>.Empty); // no parameters in a plain session
        writer.WriteArray(secret);
        writer.WriteString("text/plain");
    }
}
