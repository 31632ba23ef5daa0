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

    /// <summary>CPU time (user + system) of a process and its direct children, in seconds, from /proc (Linux), or -1.</summary>
    public static double TreeCpuSeconds(int pid)
    {
        double own = CpuSeconds(pid);
        if (own < 0)
        {
            return -1;
        }

        string children = $"/proc/{pid}/task/{pid}/children";
        if (File.Exists(children))
        {
            foreach (string child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                own += Math.Max(0, CpuSeconds(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return own;
    }

    private static double CpuSeconds(int pid)
    {
        string file = $"/proc/{pid}/stat";
        if (!File.Exists(file))
        {
            return -1;
        }

        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): state is field 3,
        // utime and stime fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
        string stat = File.ReadAllText(file);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

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
