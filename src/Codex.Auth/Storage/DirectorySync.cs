using System.Runtime.InteropServices;
using System.Text;

namespace Codex.Auth.Storage;

/// <summary>
/// Flushes a directory's entries to disk (<c>fsync(2)</c> on the directory), so that a rename survives a power loss. .NET
/// opens no handle to a directory, hence the two libc calls. Best effort: a file system that cannot sync a directory is
/// left as it is.
/// </summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals the rename's metadata; there is no directory handle to flush.
        }

        byte[] path = Encoding.UTF8.GetBytes(directory + "\0");
        int fd;
        try
        {
            fd = Open(path, 0 /* O_RDONLY */);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return;
        }

        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
