namespace Codex.Auth.Cli;

/// <summary>Whether two paths name the same file, following symbolic links in every component.</summary>
internal static class PathIdentity
{
    private static StringComparison Comparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public static bool SameFile(string a, string b) =>
        string.Equals(Canonical(a), Canonical(b), Comparison);

    /// <summary>The full path with every existing symbolic link resolved (best effort; missing components are kept as they are).</summary>
    public static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? string.Empty;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            for (int hops = 0; hops < 40; hops++)
            {
                FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
                if (!info.Exists || info.LinkTarget is null)
                {
                    break;
                }

                string target = info.LinkTarget;
                current = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(current) ?? root, target));
            }
        }

        return Path.TrimEndingDirectorySeparator(current);
    }
}
