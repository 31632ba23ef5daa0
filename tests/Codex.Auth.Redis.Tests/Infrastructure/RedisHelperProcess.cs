using System.Diagnostics;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>Starts tests/Codex.Auth.Redis.ProcessHelper as a real OS process (one "machine" with its own CODEX_HOME).</summary>
public static class RedisHelperProcess
{
    private const string Project = "Codex.Auth.Redis.ProcessHelper";

    public static string DllPath => HelperProcesses.DllPath(Project);

    public static Process Start(string codexHome, byte[] storeKey, params string[] args) =>
        HelperProcesses.Start(Project, args, new Dictionary<string, string> { ["CODEX_HOME"] = codexHome, ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(storeKey) });
}
