using System.Diagnostics;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>Starts tests/Codex.Auth.ProcessHelper as a real OS process.</summary>
public static class HelperProcess
{
    private const string Project = "Codex.Auth.ProcessHelper";

    public static string DllPath => HelperProcesses.DllPath(Project);

    public static Process Start(params string[] args) => HelperProcesses.Start(Project, args);
}
