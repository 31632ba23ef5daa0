using Codex.Auth.Storage.Keyring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth.Storage;

/// <summary>
/// The Codex CLI's <c>auto</c> store: the keyring, and on any keyring error <c>$CODEX_HOME/auth.json</c>. A document
/// is read from the keyring, else from the file; a save goes to the keyring (which removes a leftover auth.json), or
/// to the file when the keyring fails. Each fall-back is logged and reported by <see cref="FallbackReason"/>.
/// </summary>
public sealed class AutoCredentialStore : ICodexCredentialStore, IDisposable
{
    private readonly ILogger _logger;
    private volatile string? _fallbackReason;
    private volatile bool _inFile;

    /// <summary>Creates the store.</summary>
    /// <param name="keyring">The keyring store.</param>
    /// <param name="file">The file store for the same Codex home.</param>
    /// <param name="logger">Receives a warning on each fall-back.</param>
    public AutoCredentialStore(KeyringCredentialStore keyring, FileCredentialStore file, ILogger<AutoCredentialStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(file);
        Keyring = keyring;
        File = file;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the keyring store tried first.</summary>
    public KeyringCredentialStore Keyring { get; }

    /// <summary>Gets the file store used when the keyring fails.</summary>
    public FileCredentialStore File { get; }

    /// <summary>Gets why the last operation fell back to the file (a message without secrets), or <see langword="null"/> when the keyring worked.</summary>
    public string? FallbackReason => _fallbackReason;

    /// <summary>Gets a value indicating whether the last operation found or wrote the document in the file rather than the keyring.</summary>
    public bool UsesFile => _inFile;

    /// <inheritdoc />
    public string Location => _inFile ? File.Location : Keyring.Location;

    /// <inheritdoc />
    public async ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            CodexAuthDocument? document = await Keyring.LoadAsync(cancellationToken).ConfigureAwait(false);
            _fallbackReason = null;
            if (document is not null)
            {
                _inFile = false;
                return document;
            }
        }
        catch (CodexAuthException ex)
        {
            FellBack(ex);
        }

        CodexAuthDocument? fromFile = await File.LoadAsync(cancellationToken).ConfigureAwait(false);
        _inFile = fromFile is not null || _fallbackReason is not null;
        return fromFile;
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        try
        {
            await Keyring.SaveAsync(document, cancellationToken).ConfigureAwait(false);
            _fallbackReason = null;
            _inFile = false;
            return;
        }
        catch (CodexAuthException ex)
        {
            FellBack(ex);
        }

        await File.SaveAsync(document, cancellationToken).ConfigureAwait(false);
        _inFile = true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // Removes the entry and any auth.json, as the Codex CLI's auto store does.
            return await Keyring.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CodexAuthException ex)
        {
            FellBack(ex);
            return await File.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default) =>
        File.AcquireRefreshLockAsync(cancellationToken);

    /// <inheritdoc />
    public IDisposable Watch(Action onChanged)
    {
        IDisposable keyring = Keyring.Watch(onChanged);
        IDisposable file = File.Watch(onChanged);
        return new Both(keyring, file);
    }

    /// <inheritdoc />
    public void Dispose() => Keyring.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"AutoCredentialStore {Keyring.KeyringName}, else {File.FilePath}";

    private void FellBack(CodexAuthException ex)
    {
        string reason = ex.Message;
        if (_fallbackReason != reason)
        {
            StorageLog.KeyringFallback(_logger, reason, File.FilePath);
        }

        _fallbackReason = reason;
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
