using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Codex.Auth.Storage;

/// <summary>
/// An advisory whole-file lock taken with <c>flock(2)</c> — the primitive the Codex CLI uses — on Unix, and with an
/// exclusive open on Windows. (<see cref="FileStream.Lock"/> takes <c>fcntl</c> record locks, which do not
/// interoperate with <c>flock</c>.)
/// </summary>
internal sealed partial class FileLock : IDisposable
{
    private const int LockShared = 1;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int Unlock = 8;

    private readonly FileStream _stream;
    private int _disposed;

    private FileLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock, polling without blocking a thread, until it is free or <paramref name="cancellationToken"/> fires.</summary>
    public static async ValueTask<FileLock> AcquireAsync(string path, bool exclusive, CancellationToken cancellationToken)
    {
        int delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileLock? held = TryAcquire(path, exclusive);
            if (held is not null)
            {
                return held;
            }

            // Cross-process coordination waits on the real clock, not the caller's TimeProvider.
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, 25);
        }
    }

    /// <summary>Tries once; <see langword="null"/> when another holder has it.</summary>
    /// <remarks>
    /// On Unix the runtime itself emulates <see cref="FileShare"/> with <c>flock(2)</c>: opening with
    /// <see cref="FileShare.None"/> takes <c>LOCK_EX|LOCK_NB</c> and opening with sharing takes <c>LOCK_SH|LOCK_NB</c>,
    /// failing with a sharing violation when another holder conflicts. So the open is the attempt, and the explicit
    /// <c>flock</c> that follows is a no-op on the same descriptor — unless the application disabled the runtime's
    /// file locking (<c>System.IO.DisableFileLocking</c>), in which case it is what takes the lock.
    /// </remarks>
    public static FileLock? TryAcquire(string path, bool exclusive)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = exclusive ? FileShare.None : FileShare.ReadWrite,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream? stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            return null; // held by someone else (sharing violation)
        }

        if (OperatingSystem.IsWindows())
        {
            return new FileLock(stream);
        }

        try
        {
            int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
            while (true)
            {
                if (Flock(fd, (exclusive ? LockExclusive : LockShared) | LockNonBlocking) == 0)
                {
                    var result = new FileLock(stream);
                    stream = null;
                    return result;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == 4)
                {
                    continue; // EINTR
                }

                if (errno is 11 or 35)
                {
                    return null; // EWOULDBLOCK (Linux 11, macOS 35)
                }

                throw new IOException($"flock({path}) failed with errno {errno}.");
            }
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            SafeFileHandle handle = _stream.SafeFileHandle;
            if (!handle.IsClosed)
            {
                _ = Flock((int)handle.DangerousGetHandle(), Unlock);
            }
        }

        _stream.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
