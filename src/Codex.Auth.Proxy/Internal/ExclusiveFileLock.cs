using System.Diagnostics;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// A cross-process lock held by keeping a lock file open with <see cref="FileShare.None"/>. On Windows that open is exclusive;
/// on Unix the runtime enforces <see cref="FileShare.None"/> with <c>flock(LOCK_EX | LOCK_NB)</c> on the descriptor, so a second
/// open — from this process or another — fails with a sharing violation until the holder closes the file (or exits, or is
/// killed: the kernel drops the lock with the descriptor). It coordinates processes that all use it (the proxy's CA directory);
/// it is not the Codex CLI's <c>auth.json</c> lock, and it is advisory on Unix (other programs can still open the file).
/// </summary>
internal sealed class ExclusiveFileLock : IDisposable
{
    private readonly FileStream _stream;

    private ExclusiveFileLock(FileStream stream) => _stream = stream;

    /// <summary>Gets the lock file's full path.</summary>
    public string Path => _stream.Name;

    /// <summary>Tries once; <see langword="null"/> when another holder has the lock.</summary>
    /// <param name="path">The lock file; created (mode 0600 on Unix) when missing, never deleted.</param>
    public static ExclusiveFileLock? TryAcquire(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            return new ExclusiveFileLock(new FileStream(path, options));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            return null; // a sharing violation: someone holds it
        }
    }

    /// <summary>Waits (polling, backing off up to 50 ms) until the lock is free, for at most <paramref name="timeout"/>.</summary>
    /// <param name="path">The lock file.</param>
    /// <param name="timeout">How long to wait on the real clock (the holder is another process).</param>
    /// <exception cref="TimeoutException">Another holder kept the lock for longer than <paramref name="timeout"/>.</exception>
    public static ExclusiveFileLock Acquire(string path, TimeSpan timeout)
    {
        long started = Stopwatch.GetTimestamp();
        int delayMs = 1;
        while (true)
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }

            if (Stopwatch.GetElapsedTime(started) >= timeout)
            {
                throw new TimeoutException($"Another process has held the lock {path} for more than {timeout.TotalSeconds:0} s. If no other codex-auth proxy is starting, delete that file and retry.");
            }

            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, 50);
        }
    }

    /// <summary>Releases the lock (closing the file).</summary>
    public void Dispose() => _stream.Dispose();
}
