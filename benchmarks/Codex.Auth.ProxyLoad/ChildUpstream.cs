using System.Diagnostics;
using System.Globalization;

namespace Codex.Auth.ProxyLoad;

/// <summary>The Kestrel upstream (<see cref="KestrelUpstream"/>) in a child process of this tool.</summary>
internal sealed class ChildUpstream : IDisposable
{
    private readonly Process _process;

    private ChildUpstream(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ChildUpstream> StartAsync()
    {
        int port = Ports.Free();
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildUpstream).Assembly.Location);
        }

        info.ArgumentList.Add("upstream");
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        info.Environment["DOTNET_gcServer"] = "0";
        Process process = Process.Start(info)!;
        string? line = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        if (line != "ready")
        {
            process.Kill();
            throw new InvalidOperationException("The Kestrel upstream did not start.");
        }

        return new ChildUpstream(process, port);
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
