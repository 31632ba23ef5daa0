using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Codex.Auth.ProxyLoad;

/// <summary>
/// An nginx instance of our own (its own prefix directory and config, foreground, no access log): either the instant
/// upstream, or a reverse proxy that does what <c>codex-auth proxy --forward-host-credentials</c> does to each request —
/// drop the agent's credential headers, set the host's <c>Authorization</c> and <c>ChatGPT-Account-ID</c>, keep upstream
/// connections alive, stream responses unbuffered.
/// </summary>
internal sealed class Nginx : IDisposable
{
    public const string Body = """{"object":"list","data":[]}""";

    private readonly Process _process;
    private readonly string _prefix;

    private Nginx(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public static bool IsInstalled => Tools.Find("nginx") is not null;

    public int Port { get; }

    public int ProcessId => _process.Id;

    public static Task<Nginx> StartUpstreamAsync(int workers) => StartAsync(workers, port => $$"""
        server {
            listen 127.0.0.1:{{port}} backlog=4096;
            location = /backend-api/wham/accounts/check {
                return 404;
            }
            location / {
                default_type application/json;
                return 200 '{{Body}}';
            }
        }
        """);

    public static Task<Nginx> StartInjectingProxyAsync(int workers, int upstreamPort, string hostToken, string accountId) => StartAsync(workers, port => $$"""
        upstream codex_upstream {
            server 127.0.0.1:{{upstreamPort}};
            keepalive 128;
        }
        server {
            listen 127.0.0.1:{{port}} backlog=4096;
            location /backend-api/ {
                proxy_pass http://codex_upstream;
                proxy_http_version 1.1;
                proxy_buffering off;
                proxy_set_header Connection "";
                proxy_set_header Host $proxy_host;
                proxy_set_header Authorization "Bearer {{hostToken}}";
                proxy_set_header ChatGPT-Account-ID "{{accountId}}";
                proxy_set_header X-OpenAI-Fedramp "";
                proxy_set_header Cookie "";
                proxy_set_header OpenAI-Organization "";
                proxy_set_header OpenAI-Project "";
                proxy_set_header X-Api-Key "";
                proxy_set_header Api-Key "";
                proxy_set_header Proxy-Authorization "";
                proxy_set_header X-Codex-Auth-Proxy-Key "";
            }
        }
        """);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signals.Send(_process.Id, Signals.SigQuit);
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<Nginx> StartAsync(int workers, Func<int, string> server)
    {
        int port = Ports.Free();
        string prefix = Directory.CreateTempSubdirectory("codex-auth-load-nginx-").FullName;
        var config = new StringBuilder();
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root root;");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $"worker_processes {workers};");
        config.AppendLine(CultureInfo.InvariantCulture, $"pid {prefix}/nginx.pid;");
        config.AppendLine(CultureInfo.InvariantCulture, $"error_log {prefix}/error.log warn;");
        config.AppendLine("daemon off;");
        config.AppendLine("events { worker_connections 4096; }");
        config.AppendLine("http {");
        config.AppendLine("    access_log off;");
        config.AppendLine("    keepalive_requests 10000000;");
        config.AppendLine("    keepalive_timeout 120s;");
        foreach (string temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"    {temp}_temp_path {prefix}/{temp};");
        }

        config.AppendLine(server(port));
        config.AppendLine("}");
        string path = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(path, config.ToString()).ConfigureAwait(false);

        var info = new ProcessStartInfo(Tools.Find("nginx")!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-p", prefix, "-c", path, "-e", prefix + "/error.log" })
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var nginx = new Nginx(process, prefix, port);
        if (!await Ports.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(10)).ConfigureAwait(false) || process.HasExited)
        {
            string log = File.Exists(prefix + "/error.log") ? await File.ReadAllTextAsync(prefix + "/error.log").ConfigureAwait(false) : string.Empty;
            nginx.Dispose();
            throw new InvalidOperationException("nginx did not start: " + log);
        }

        return nginx;
    }
}
