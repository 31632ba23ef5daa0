using System.Diagnostics;

namespace Codex.Auth.TestSupport;

/// <summary>Starts a helper program built beside the tests (tests/NAME/bin/CONFIGURATION/TFM/NAME.dll) as a real OS process.</summary>
public static class HelperProcesses
{
    private static readonly string[] s_scrubbed = ["CODEX_HOME", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "CODEX_AUTH_STORE_KEY"];

    /// <summary>Finds the helper's dll from the running test assembly's output folder (the test project references the helper, so it is built first).</summary>
    public static string DllPath(string project)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testBin.Name;
        string configuration = testBin.Parent!.Name;
        DirectoryInfo testsDir = testBin.Parent!.Parent!.Parent!.Parent!;
        string path = Path.Combine(testsDir.FullName, project, "bin", configuration, tfm, project + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build tests/{project} first (the test project references it).", path);
        }

        return path;
    }

    /// <summary>Starts the helper with stdout/stderr redirected, none of the caller's Codex credentials, and <paramref name="environment"/> added.</summary>
    public static Process Start(string project, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath(project));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string name in s_scrubbed)
        {
            info.Environment.Remove(name);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }
}
