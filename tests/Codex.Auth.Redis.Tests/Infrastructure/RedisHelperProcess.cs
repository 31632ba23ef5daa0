using System.Diagnostics;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>Starts tests/Codex.Auth.Redis.ProcessHelper as a real OS process (one "machine" with its own CODEX_HOME).</summary>
public static class RedisHelperProcess
{
    public static string DllPath
    {
        get
        {
            // .../tests/Codex.Auth.Redis.Tests/bin/<Configuration>/<tfm>/
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testBin.Name;
            string configuration = testBin.Parent!.Name;
            DirectoryInfo testsDir = testBin.Parent!.Parent!.Parent!.Parent!;
            string path = Path.Combine(testsDir.FullName, "Codex.Auth.Redis.ProcessHelper", "bin", configuration, tfm, "Codex.Auth.Redis.ProcessHelper.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("Build tests/Codex.Auth.Redis.ProcessHelper first (the tests project references it).", path);
            }

            return path;
        }
    }

    public static Process Start(string codexHome, byte[] storeKey, params string[] args)
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

        info.Environment["CODEX_HOME"] = codexHome;
        info.Environment["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(storeKey);
        info.Environment.Remove("CODEX_API_KEY");
        info.Environment.Remove("CODEX_ACCESS_TOKEN");
        return Process.Start(info)!;
    }
}
