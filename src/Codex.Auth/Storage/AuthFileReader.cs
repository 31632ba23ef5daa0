using System.Text;

namespace Codex.Auth.Storage;

/// <summary>Reads auth.json without ever modifying it, and never more than <see cref="CodexAuthDocument.MaxFileBytes"/> of it.</summary>
internal static class AuthFileReader
{
    /// <summary>Reads and parses <paramref name="path"/>; <see langword="null"/> when the file does not exist.</summary>
    public static CodexAuthDocument? Read(string path)
    {
        string text;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
            if (stream.CanSeek && stream.Length > CodexAuthDocument.MaxFileBytes)
            {
                throw CodexAuthDocument.TooLarge(path, stream.Length);
            }

            // Read at most one byte past the cap (the file may grow meanwhile, or not be seekable).
            byte[] buffer = new byte[CodexAuthDocument.MaxFileBytes + 1];
            int read = 0;
            int n;
            while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0)
            {
                read += n;
            }

            if (read > CodexAuthDocument.MaxFileBytes)
            {
                throw CodexAuthDocument.TooLarge(path, read);
            }

            // As File.ReadAllText: UTF-8 unless a byte order mark says otherwise; invalid bytes become U+FFFD.
            using var reader = new StreamReader(new MemoryStream(buffer, 0, read, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.StoreUnavailable,
                $"The credentials file '{path}' could not be read: {ex.GetType().Name}.",
                "Check the file's permissions (it should be readable by you, mode 0600).",
                ex);
        }

        return CodexAuthDocument.Parse(text, path);
    }
}
