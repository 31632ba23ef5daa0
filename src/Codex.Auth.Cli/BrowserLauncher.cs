using System.Diagnostics;

namespace Codex.Auth.Cli;

/// <summary>Best-effort attempt to open a URL in the user's browser; failures are silent (the URL is printed anyway).</summary>
internal static class BrowserLauncher
{
    public static void TryOpen(Uri url)
    {
        try
        {
            ProcessStartInfo info;
            if (OperatingSystem.IsWindows())
            {
                info = new ProcessStartInfo(url.AbsoluteUri) { UseShellExecute = true };
            }
            else if (OperatingSystem.IsMacOS())
            {
                info = new ProcessStartInfo("open", [url.AbsoluteUri]);
            }
            else
            {
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
                {
                    return; // no graphical session: the printed URL is the way
                }

                info = new ProcessStartInfo("xdg-open", [url.AbsoluteUri]);
            }

            info.RedirectStandardOutput = !info.UseShellExecute;
            info.RedirectStandardError = !info.UseShellExecute;
            using Process? process = Process.Start(info);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
        }
    }
}
