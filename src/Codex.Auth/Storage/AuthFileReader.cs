namespace Codex.Auth.Storage;

/// <summary>Reads auth.json without ever modifying it.</summary>
internal static class AuthFileReader
{
    /// <summary>Reads and parses <paramref name="path"/>; <see langword="null"/> when the file does not exist.</summary>
    public static CodexAuthDocument? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
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
