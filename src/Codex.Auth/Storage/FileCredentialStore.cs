using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Codex.Auth.Storage;

/// <summary>
/// The Codex CLI's default store: <c>$CODEX_HOME/auth.json</c>. Writes are atomic (a temp file <c>.auth-XXXXXX</c>
/// in the same directory, mode 0600, flushed to disk, renamed over auth.json, then the directory flushed too) under
/// <c>flock(2)</c> on <c>auth.json.lock</c>; refreshes are serialized across processes with <c>flock(2)</c> on
/// <c>auth.lock</c> — the same files and locks the Codex CLI uses. A file that cannot be parsed is never rewritten.
/// When auth.json is a symbolic link (a dotfiles manager's), writes go through to the file it points to, which stays
/// the one copy. Temp files left by a process killed mid-write are removed by the next write.
/// </summary>
/// <example>
/// <code>
/// var store = FileCredentialStore.FromEnvironment();     // CODEX_HOME or ~/.codex
/// CodexAuthDocument? current = await store.LoadAsync();
/// </code>
/// </example>
public sealed class FileCredentialStore : ICodexCredentialStore
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_processLocks = new(StringComparer.Ordinal);

    /// <summary>Creates a store for <c>auth.json</c> in <paramref name="codexHome"/>.</summary>
    /// <param name="codexHome">The Codex home directory. It need not exist until the first save.</param>
    public FileCredentialStore(string codexHome)
    {
        ArgumentException.ThrowIfNullOrEmpty(codexHome);
        Directory = Path.GetFullPath(codexHome);
        FilePath = Path.Combine(Directory, CodexHome.AuthFileName);
    }

    /// <summary>Creates a store for the Codex home resolved from <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    /// <param name="environment">The environment; defaults to the process environment.</param>
    /// <returns>The store.</returns>
    /// <exception cref="CodexAuthException">CODEX_HOME is set but is not an existing directory.</exception>
    public static FileCredentialStore FromEnvironment(CodexEnvironment? environment = null) => new(CodexHome.Resolve(environment));

    /// <summary>Gets the Codex home directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the full path of auth.json.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public string Location => FilePath;

    private string WriteLockPath => Path.Combine(Directory, CodexHome.WriteLockFileName);

    private string RefreshLockPath => Path.Combine(Directory, CodexHome.RefreshLockFileName);

    /// <inheritdoc />
    public ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Writers replace the file by rename, so a lock-free read sees one complete document.
        return new ValueTask<CodexAuthDocument?>(AuthFileReader.Read(FilePath));
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureDirectory();
        byte[] bytes = Encoding.UTF8.GetBytes(document.ToJson());
        using FileLock writeLock = await FileLock.AcquireAsync(WriteLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);

        // Write through a symbolic link to the file it names, in that file's directory (same file system for the rename).
        string target = ResolveWriteTarget();
        string targetDirectory = Path.GetDirectoryName(target) ?? Directory;
        RemoveStaleTempFiles(Directory);
        if (!string.Equals(targetDirectory, Directory, StringComparison.Ordinal))
        {
            RemoveStaleTempFiles(targetDirectory);
        }

        string temp = Path.Combine(targetDirectory, ".auth-" + RandomSuffix());
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);

            // The rename is durable only once the directory entry is on disk too.
            DirectorySync.Flush(targetDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new CodexAuthException(
                CodexAuthFailureReason.StoreUnavailable,
                $"The credentials file '{FilePath}' could not be written: {ex.GetType().Name}. The previous file is unchanged.",
                $"Check that '{Directory}' is writable by you.",
                ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return false;
        }

        using FileLock writeLock = await FileLock.AcquireAsync(WriteLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        if (!File.Exists(FilePath))
        {
            return false;
        }

        File.Delete(FilePath);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default)
    {
        EnsureDirectory();

        // Within the process a semaphore queues callers without polling; flock then excludes other processes.
        SemaphoreSlim local = s_processLocks.GetOrAdd(RefreshLockPath, static _ => new SemaphoreSlim(1, 1));
        await local.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FileLock fileLock = await FileLock.AcquireAsync(RefreshLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
            return new HeldRefreshLock(local, fileLock);
        }
        catch
        {
            local.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public IDisposable Watch(Action onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        if (!System.IO.Directory.Exists(Directory))
        {
            // Not signed in yet (no ~/.codex): wait for the directory to appear, then watch auth.json in it.
            return DeferredWatch.Start(this, onChanged) ?? (IDisposable)NoSubscription.Instance;
        }

        return WatchFile(onChanged);
    }

    private FileSystemWatcher WatchFile(Action onChanged)
    {
        var watcher = new FileSystemWatcher(Directory, CodexHome.AuthFileName)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        FileSystemEventHandler handler = (_, _) => onChanged();
        watcher.Changed += handler;
        watcher.Created += handler;
        watcher.Deleted += handler;
        watcher.Renamed += (_, _) => onChanged();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    /// <inheritdoc />
    public override string ToString() => $"FileCredentialStore {FilePath}";

    /// <summary>
    /// Says what is unsafe about the permissions of auth.json and the Codex home (Unix): auth.json readable or writable by other
    /// users, or a Codex home (or the directory a symbolic link leads to) that every user may write to. Empty when all is well
    /// or on Windows. Each sentence names the fix; auth.json is made 0600 by the next write anyway.
    /// </summary>
    /// <returns>Warnings, one sentence each.</returns>
    public IReadOnlyList<string> CheckPermissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var warnings = new List<string>();
        const UnixFileMode OthersMayWrite = UnixFileMode.OtherWrite;
        foreach (string directory in new[] { Directory, Path.GetDirectoryName(ResolveWriteTarget()) ?? Directory }.Distinct(StringComparer.Ordinal))
        {
            if (System.IO.Directory.Exists(directory) && (File.GetUnixFileMode(directory) & OthersMayWrite) != 0
                && (File.GetUnixFileMode(directory) & UnixFileMode.StickyBit) == 0)
            {
                warnings.Add($"{directory} is writable by every user (mode {Octal(File.GetUnixFileMode(directory))}): anyone can replace auth.json. Run `chmod 700 {directory}`.");
            }
        }

        try
        {
            if (File.Exists(FilePath))
            {
                UnixFileMode mode = File.GetUnixFileMode(ResolveWriteTarget());
                if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                {
                    warnings.Add($"{FilePath} is readable or writable by other users (mode {Octal(mode)}); it is made 0600 on the next write. Run `chmod 600 {FilePath}` now.");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return warnings;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');

    /// <summary>auth.json, or — when it is a symbolic link — the file the chain of links ends at (which need not exist yet).</summary>
    private string ResolveWriteTarget()
    {
        try
        {
            var info = new FileInfo(FilePath);
            if (info.LinkTarget is null)
            {
                return FilePath;
            }

            FileSystemInfo? final = info.ResolveLinkTarget(returnFinalTarget: true);
            return final is null ? FilePath : Path.GetFullPath(final.FullName);
        }
        catch (IOException)
        {
            // A loop of links: write where the first one points would fail anyway; replace the link itself.
            return FilePath;
        }
    }

    /// <summary>Removes <c>.auth-XXXXXX</c> temp files: under the write lock none belongs to a live writer.</summary>
    private static void RemoveStaleTempFiles(string directory)
    {
        try
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(directory, ".auth-??????"))
            {
                string suffix = Path.GetFileName(path)[".auth-".Length..];
                if (suffix.All(char.IsAsciiLetterOrDigit))
                {
                    TryDelete(path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string RandomSuffix()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 6);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void EnsureDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private sealed class HeldRefreshLock(SemaphoreSlim local, FileLock fileLock) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                fileLock.Dispose();
                local.Release();
            }

            return default;
        }
    }

    /// <summary>Watches the parent directory until the Codex home is created, then auth.json inside it.</summary>
    private sealed class DeferredWatch : IDisposable
    {
        private readonly object _gate = new();
        private readonly FileCredentialStore _store;
        private readonly Action _onChanged;
        private FileSystemWatcher? _parent;
        private FileSystemWatcher? _file;
        private bool _disposed;

        private DeferredWatch(FileCredentialStore store, Action onChanged)
        {
            _store = store;
            _onChanged = onChanged;
        }

        public static DeferredWatch? Start(FileCredentialStore store, Action onChanged)
        {
            string? parent = Path.GetDirectoryName(store.Directory);
            if (parent is null || !System.IO.Directory.Exists(parent))
            {
                return null;
            }

            var deferred = new DeferredWatch(store, onChanged);
            var watcher = new FileSystemWatcher(parent, Path.GetFileName(store.Directory))
            {
                NotifyFilter = NotifyFilters.DirectoryName,
                IncludeSubdirectories = false,
            };
            watcher.Created += (_, _) => deferred.Attach();
            watcher.Renamed += (_, _) => deferred.Attach();
            deferred._parent = watcher;
            watcher.EnableRaisingEvents = true;

            // The directory may have appeared between the check and the watch.
            deferred.Attach();
            return deferred;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _parent?.Dispose();
                _file?.Dispose();
            }
        }

        private void Attach()
        {
            lock (_gate)
            {
                if (_disposed || _file is not null || !System.IO.Directory.Exists(_store.Directory))
                {
                    return;
                }

                _file = _store.WatchFile(_onChanged);
                _parent?.Dispose();
                _parent = null;
            }

            _onChanged();
        }
    }

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
