using System.Diagnostics;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>Starts tests/Codex.Auth.ProcessHelper as a real OS process.</summary>
public static class HelperProcess
{
    public static string DllPath
    {
        get
        {
            // .../tests/Codex.Auth.Tests/bin/<Configuration>/net10.0/
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testBin.Name;
            string configuration = testBin.Parent!.Name;
            DirectoryInfo testsDir = testBin.Parent!.Parent!.Parent!.Parent!;
            string path = Path.Combine(testsDir.FullName, "Codex.Auth.ProcessHelper", "bin", configuration, tfm, "Codex.Auth.ProcessHelper.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("Build tests/Codex.Auth.ProcessHelper first (the tests project references it).", path);
            }

            return path;
        }
    }

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("CODEX_HOME");
        info.Environment.Remove("CODEX_API_KEY");
        info.Environment.Remove("CODEX_ACCESS_TOKEN");
        return Process.Start(info)!;
    }
}
