using System.Runtime.InteropServices;

namespace Codex.Auth.ProxyLoad;

/// <summary>kill(2), to stop child processes the way an orchestrator does (SIGTERM; SIGQUIT for nginx's graceful stop).</summary>
internal static partial class Signals
{
    public const int SigTerm = 15;
    public const int SigQuit = 3;

    public static void Send(int pid, int signal) => _ = Kill(pid, signal);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
