namespace Codex.Auth.ProxyLoad;

/// <summary>Finds optional tools (wrk, nginx) on PATH and in the sbin directories Debian installs them to.</summary>
internal static class Tools
{
    public static string? Find(string name)
    {
        IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>Resident set size of a process in bytes, from /proc (Linux), or -1.</summary>
    public static long ResidentBytes(int pid) => ProcField($"/proc/{pid}/status", "VmRSS:");

    /// <summary>
    /// Proportional set size in bytes (resident pages, each shared page divided by the number of processes mapping it), or -1:
    /// what one more sidecar costs when others already map the same .NET shared framework.
    /// </summary>
    public static long ProportionalBytes(int pid) => ProcField($"/proc/{pid}/smaps_rollup", "Pss:");

    private static long ProcField(string file, string field)
    {
        if (!File.Exists(file))
        {
            return -1;
        }

        foreach (string line in File.ReadLines(file))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }
}
