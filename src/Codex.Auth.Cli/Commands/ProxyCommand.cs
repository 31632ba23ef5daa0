using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Codex.Auth.Proxy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth proxy --listen 127.0.0.1:PORT [...]</c>: runs <see cref="CodexAuthProxyHost"/> until SIGINT or SIGTERM
/// (USE-CASES §2 and §3). Prints one line, <c>listening on URL</c>, to stdout when ready; logs warnings and errors to stderr (each request too with <c>--log-requests</c>).
/// The agent key is never taken as an argument value: it comes from a file, stdin or <c>CODEX_AUTH_PROXY_AGENT_KEY</c>.
/// </summary>
internal static class ProxyCommand
{
    /// <summary>The environment variable the agent key may come from.</summary>
    public const string AgentKeyVariable = "CODEX_AUTH_PROXY_AGENT_KEY";

    private const string KeyHint = "Give it with --agent-key-file PATH, on stdin with --agent-key (for example `openssl rand -hex 32 | codex-auth proxy ... --agent-key`), or in " + AgentKeyVariable + ".";

    public static Command Create(CliContext context)
    {
        Option<string> listen = new("--listen") { Description = "Where to listen: 127.0.0.1:PORT, [::1]:PORT or localhost:PORT (port 0 picks a free one). A non-loopback address needs --allow-remote and an agent key.", HelpName = "address:port", Required = true };
        Option<bool> forward = new("--forward-host-credentials") { Description = "Strip every credential header the agent sends and inject the host's ChatGPT sign-in ($CODEX_HOME/auth.json); answer the agent's token refresh and revoke locally with placeholders. Default off (transparent)." };
        Option<bool> allowApiKey = new("--allow-api-key-host-credential") { Description = "With --forward-host-credentials: accept a host API key (sent on /v1 only) instead of failing at start." };
        Option<string?> chatGpt = new("--chatgpt-upstream") { Description = "Where /backend-api/** goes (default: chatgpt_base_url from config.toml, else https://chatgpt.com/backend-api).", HelpName = "url" };
        Option<string?> openAi = new("--openai-upstream") { Description = "Where /v1/** goes (default https://api.openai.com/v1).", HelpName = "url" };
        Option<string?> auth = new("--auth-upstream") { Description = "Where the OAuth paths go, and the host's own refreshes (default https://auth.openai.com).", HelpName = "url" };
        Option<bool> tls = new("--tls") { Description = "Serve HTTPS with a certificate issued by a local CA (created once in --ca-dir, default ~/.codex-auth/proxy-ca)." };
        Option<string?> cert = new("--cert") { Description = "Serve HTTPS with this certificate (PEM); needs --key.", HelpName = "pem" };
        Option<string?> key = new("--key") { Description = "The private key (PEM) of --cert.", HelpName = "pem" };
        Option<string?> caDir = new("--ca-dir") { Description = "With --tls: where the local CA keeps its certificate and key (key 0600).", HelpName = "dir" };
        Option<string?> caOut = new("--ca-out") { Description = "With --tls: write the CA certificate (public part only) here, for the agent's CODEX_CA_CERTIFICATE.", HelpName = "path" };
        Option<bool> allowRemote = new("--allow-remote") { Description = "Allow a non-loopback --listen address; needs an agent key, which every client sends in " + CodexAuthProxyOptions.AgentKeyHeaderName + "." };
        Option<string?> agentKeyFile = new("--agent-key-file") { Description = "Read the agent key (at least 16 characters, first line) from this file.", HelpName = "path" };
        Option<string?> agentKeyStdin = new("--agent-key")
        {
            Description = "Read the agent key from stdin. A value on the command line is refused (it would be visible to other processes); " + AgentKeyVariable + " also works.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "(stdin)",
        };
        var storeOptions = new StoreOptions();
        Option<bool> verbose = new("--verbose") { Description = "Log every request's headers to stderr: the whole value of every secret-bearing header (Authorization, Cookie, API keys, the agent key) replaced by a fingerprint, Authorization keeping only a known scheme name; paths without query strings." };
        Option<bool> logRequests = new("--log-requests") { Description = "Log one line per request (method, path, route, status, duration) to stderr. Off by default: under load a sidecar writes nothing per request; warnings and errors are always logged." };
        Option<string> logFormat = new("--log-format") { Description = "How stderr logs look: simple (one line each, the default) or json (one JSON object per line, for log shippers).", HelpName = "simple|json", DefaultValueFactory = _ => "simple" };
        logFormat.AcceptOnlyFromAmong("simple", "json");
        Option<double> drainTimeout = new("--drain-timeout") { Description = "On SIGTERM or Ctrl+C: stop accepting, let requests in flight and open streams finish for up to this many seconds, then exit 0 (default 25, inside the 30 s grace period of Kubernetes and Docker).", HelpName = "seconds", DefaultValueFactory = _ => 25 };
        Option<long> maxBody = new("--max-request-body-size") { Description = "Refuse request bodies over this many bytes with 413 and a JSON reason (default 33554432, 32 MiB).", HelpName = "bytes", DefaultValueFactory = _ => 32L * 1024 * 1024 };
        Option<int> maxHeaders = new("--max-request-headers-size") { Description = "Refuse requests whose headers total over this many bytes with 431 and a JSON reason (default 32768).", HelpName = "bytes", DefaultValueFactory = _ => 32 * 1024 };
        Option<double> idleTimeout = new("--idle-timeout") { Description = "Close a client connection idle between requests for this many seconds (default 120; a stream in progress is never idle).", HelpName = "seconds", DefaultValueFactory = _ => 120 };
        Option<double> connectTimeout = new("--upstream-connect-timeout") { Description = "Fail a request with 502 and a JSON reason when the upstream does not accept a connection within this many seconds (default 10).", HelpName = "seconds", DefaultValueFactory = _ => 10 };
        Option<double> upstreamIdle = new("--upstream-idle-timeout") { Description = "Abort an upstream response that stays silent this many seconds (default 900: model streams pause for minutes).", HelpName = "seconds", DefaultValueFactory = _ => 900 };
        Option<string?> metricsOtlp = new("--metrics-otlp") { Description = "Export the Codex.Auth meter (proxy requests, upstream latency, refreshes) over OTLP/HTTP to this collector URL (e.g. http://127.0.0.1:4318).", HelpName = "url" };
        Option<string?> metricsPrometheus = new("--metrics-prometheus") { Description = "Serve the Codex.Auth meter for Prometheus at http://ADDRESS:PORT/metrics (a loopback address unless you mean it).", HelpName = "address:port" };
        Option<double> metricsInterval = new("--metrics-interval") { Description = "With --metrics-otlp: seconds between exports (default 15).", HelpName = "seconds", DefaultValueFactory = _ => 15 };

        var command = new Command("proxy", "Run the Codex auth proxy (YARP) for a sandboxed agent or a recording proxy until Ctrl+C or SIGTERM. Prints `listening on URL` on stdout when ready; logs warnings and errors (and with --log-requests each request) to stderr.")
        {
            listen, forward, allowApiKey, chatGpt, openAi, auth, tls, cert, key, caDir, caOut, allowRemote, agentKeyFile, agentKeyStdin, verbose, logRequests, logFormat,
            drainTimeout, maxBody, maxHeaders, idleTimeout, connectTimeout, upstreamIdle, metricsOtlp, metricsPrometheus, metricsInterval,
        };
        storeOptions.AddTo(command);

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetResult(agentKeyStdin) is not null && parse.GetValue(agentKeyStdin) is not null)
            {
                throw new CliUsageException("Refusing to take the agent key as a command-line argument (it would be visible in shell history and to other processes). " + KeyHint);
            }

            (IPAddress address, string host, int port) = ParseListen(parse.GetValue(listen)!);
            var options = new CodexAuthProxyOptions
            {
                ListenAddress = host,
                Port = port,
                ForwardHostCredentials = parse.GetValue(forward),
                AllowApiKeyHostCredential = parse.GetValue(allowApiKey),
                AllowRemote = parse.GetValue(allowRemote),
                Environment = context.Environment,
                TimeProvider = context.Time,
                LogHeaders = parse.GetValue(verbose),
                LogRequests = parse.GetValue(logRequests) || parse.GetValue(verbose),
                DrainTimeout = Seconds(parse.GetValue(drainTimeout), "--drain-timeout", allowZero: true),
                MaxRequestBodySize = parse.GetValue(maxBody),
                MaxRequestHeadersTotalSize = parse.GetValue(maxHeaders),
                IdleTimeout = Seconds(parse.GetValue(idleTimeout), "--idle-timeout"),
                UpstreamConnectTimeout = Seconds(parse.GetValue(connectTimeout), "--upstream-connect-timeout"),
                UpstreamActivityTimeout = Seconds(parse.GetValue(upstreamIdle), "--upstream-idle-timeout"),
            };
            // Like every other part of Codex.Auth, the proxy follows the host's chatgpt_base_url (environment > config.toml > default).
            options.ChatGptUpstream = ParseUpstream(parse.GetValue(chatGpt), "--chatgpt-upstream")
                ?? new Uri(context.Configuration.ChatGptBaseUrl.AbsoluteUri.TrimEnd('/'), UriKind.Absolute);
            options.OpenAIUpstream = ParseUpstream(parse.GetValue(openAi), "--openai-upstream") ?? options.OpenAIUpstream;
            options.AuthUpstream = ParseUpstream(parse.GetValue(auth), "--auth-upstream") ?? options.AuthUpstream;
            ConfigureTls(options.Tls, parse.GetValue(tls), parse.GetValue(cert), parse.GetValue(key), parse.GetValue(caDir), parse.GetValue(caOut));

            options.AgentKey = await ReadAgentKeyAsync(context, parse.GetValue(agentKeyFile), parse.GetResult(agentKeyStdin) is not null, cancellationToken).ConfigureAwait(false);
            if (!IPAddress.IsLoopback(address))
            {
                if (!options.AllowRemote)
                {
                    throw new CliUsageException($"Refusing to listen on {address}, which is reachable from other machines: pass --allow-remote and an agent key, or listen on 127.0.0.1.");
                }

                if (options.AgentKey is null)
                {
                    throw new CliUsageException($"--allow-remote needs an agent key that every client sends in {CodexAuthProxyOptions.AgentKeyHeaderName}. " + KeyHint);
                }
            }

            try
            {
                options.Validate();
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                throw new CliUsageException(ex.Message);
            }

            Uri? otlp = ParseUpstream(parse.GetValue(metricsOtlp), "--metrics-otlp");
            (string Host, int Port)? prometheus = null;
            if (parse.GetValue(metricsPrometheus) is { } scrape)
            {
                (_, string scrapeHost, int scrapePort) = ParseListen(scrape);
                prometheus = (scrapeHost, scrapePort == 0 ? throw new CliUsageException("--metrics-prometheus needs a fixed port, for example 127.0.0.1:9464.") : scrapePort);
            }

            StoreOptions.OpenedStore? opened = parse.GetValue(storeOptions.Store) is null && parse.GetValue(storeOptions.KeyFile) is null
                ? null
                : await storeOptions.OpenAsync(context, parse).ConfigureAwait(false);
            try
            {
                options.CredentialStore = opened?.Store;
                using IDisposable? metrics = ProxyMetricsExport.Start(otlp, prometheus, Seconds(parse.GetValue(metricsInterval), "--metrics-interval"));
                return await RunAsync(context, options, parse.GetValue(verbose), parse.GetValue(logFormat) == "json", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (opened is not null)
                {
                    await opened.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CodexAuthProxyOptions options, bool verbose, bool json, CancellationToken cancellationToken)
    {
        using ILoggerFactory loggers = LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
            builder.AddFilter("Microsoft", verbose ? LogLevel.Information : LogLevel.Warning);
            builder.AddFilter("System", LogLevel.Warning);
            builder.AddFilter("Microsoft.AspNetCore.Server.Kestrel", verbose ? LogLevel.Information : LogLevel.Error); // e.g. "HTTP/2 needs TLS" on plain HTTP

            // Hosting ("Request starting … ?query") and YARP ("Proxying to …?query") log whole URLs, query strings included (an
            // authorization code, a state): even with --verbose only the proxy's own lines, which log paths without queries.
            // YARP's two lines per request are off too. While Hosting's category is enabled at any level ASP.NET Core creates an
            // Activity and a logging scope for every request, so without --verbose it is switched off entirely.
            builder.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", verbose ? LogLevel.Warning : LogLevel.None);
            builder.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
            builder.AddFilter("Yarp", LogLevel.Warning);
            if (json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK";
                    o.UseUtcTimestamp = true;
                    o.IncludeScopes = false;
                });
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                    o.UseUtcTimestamp = false;
                });
            }

            // Everything goes to stderr: stdout carries only the one `listening on` line.
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        options.LoggerFactory = loggers;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration? sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true; // shut down cleanly instead of being terminated
            stop.Cancel();
        });

        CodexAuthProxyHost proxy;
        try
        {
            proxy = await CodexAuthProxyHost.StartAsync(options, stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await context.Error.WriteLineAsync($"codex-auth: {CodexAuthApp.OneLine(ex.Message)}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return CliExitCodes.Success; // SIGTERM while starting
        }

        await using (proxy.ConfigureAwait(false))
        {
            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"listening on {proxy.Address}")).ConfigureAwait(false);
            await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            ILogger cliLog = loggers.CreateLogger(CliLog.Category);
            if (json)
            {
                CliLog.AgentHints(cliLog, $"{proxy.Address}backend-api/", $"{proxy.Address}v1", $"{proxy.Address}oauth/token", $"{proxy.Address}oauth/revoke", proxy.CaCertificatePath);
            }
            else
            {
                await WriteAgentHintsAsync(context.Error, options, proxy).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop listening, let in-flight requests finish (up to --drain-timeout), exit 0.
            }

            if (json)
            {
                CliLog.Stopping(cliLog, options.DrainTimeout.TotalSeconds);
            }
            else
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"codex-auth: proxy stopping (no new connections; requests in flight get up to {options.DrainTimeout.TotalSeconds:0.#} s to finish).")).ConfigureAwait(false);
            }
        }

        return CliExitCodes.Success;
    }

    private static async Task WriteAgentHintsAsync(TextWriter error, CodexAuthProxyOptions options, CodexAuthProxyHost proxy)
    {
        string mode = options.ForwardHostCredentials ? "forwarding the host's credentials" : "transparent (the agent's own credentials pass through)";
        await error.WriteLineAsync($"codex-auth: proxy {mode}. Agent side:").ConfigureAwait(false);
        await error.WriteLineAsync($"  chatgpt_base_url = \"{proxy.Address}backend-api/\"   openai_base_url = \"{proxy.Address}v1\"").ConfigureAwait(false);
        await error.WriteLineAsync($"  CODEX_REFRESH_TOKEN_URL_OVERRIDE={proxy.Address}oauth/token  CODEX_REVOKE_TOKEN_URL_OVERRIDE={proxy.Address}oauth/revoke").ConfigureAwait(false);
        if (proxy.CaCertificatePath is { } ca)
        {
            await error.WriteLineAsync($"  CODEX_CA_CERTIFICATE={ca}").ConfigureAwait(false);
        }
    }

    internal static (IPAddress Address, string Host, int Port) ParseListen(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            throw new CliUsageException($"--listen '{value}' must be ADDRESS:PORT, for example 127.0.0.1:8787.");
        }

        string host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (!int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new CliUsageException($"--listen '{value}': the port must be a number from 0 to 65535.");
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, "localhost", port);
        }

        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            throw new CliUsageException($"--listen '{value}': '{host}' is not an IP address or 'localhost'.");
        }

        if (address.IsIPv4MappedToIPv6)
        {
            // ::ffff:127.0.0.1 is 127.0.0.1; a socket cannot bind the mapped form.
            address = address.MapToIPv4();
        }

        return (address, address.ToString(), port);
    }

    private static TimeSpan Seconds(double value, string flag, bool allowZero = false)
    {
        if (double.IsNaN(value) || value < 0 || (value == 0 && !allowZero) || value > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw new CliUsageException($"{flag} must be a number of seconds{(allowZero ? " from 0" : " above 0")} up to 86400.");
        }

        return TimeSpan.FromSeconds(value);
    }

    private static Uri? ParseUpstream(string? value, string flag)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new CliUsageException($"{flag} must be an absolute http(s) URL.");
        }

        return uri;
    }

    private static void ConfigureTls(CodexAuthProxyTlsOptions options, bool tls, string? cert, string? key, string? caDir, string? caOut)
    {
        if ((cert is null) != (key is null))
        {
            throw new CliUsageException("--cert and --key go together.");
        }

        if (cert is not null)
        {
            if (tls || caDir is not null || caOut is not null)
            {
                throw new CliUsageException("--cert/--key serve your own certificate; --tls, --ca-dir and --ca-out are for the local CA. Choose one.");
            }

            options.Mode = CodexAuthProxyTlsMode.PemFiles;
            options.CertificatePemPath = cert;
            options.KeyPemPath = key;
            return;
        }

        if (!tls)
        {
            if (caDir is not null || caOut is not null)
            {
                throw new CliUsageException("--ca-dir and --ca-out need --tls.");
            }

            return;
        }

        options.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
        options.CertificateAuthorityDirectory = caDir;
        options.ExportCaCertificatePath = caOut;
    }

    private static async Task<string?> ReadAgentKeyAsync(CliContext context, string? file, bool fromStdin, CancellationToken cancellationToken)
    {
        string? fromEnvironment = context.Environment.GetNonBlank(AgentKeyVariable);
        if ((file is not null ? 1 : 0) + (fromStdin ? 1 : 0) > 1)
        {
            throw new CliUsageException("Choose one of --agent-key-file and --agent-key.");
        }

        string? value;
        string source;
        if (file is not null)
        {
            source = file;
            try
            {
                using var reader = new StreamReader(file);
                value = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUsageException($"--agent-key-file {file} cannot be read: {ex.GetType().Name}.");
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                await context.Error.WriteLineAsync($"codex-auth: warning: {file} is readable by other users; `chmod 600 {file}`.").ConfigureAwait(false);
            }
        }
        else if (fromStdin)
        {
            source = "stdin";
            if (!context.IsInputRedirected)
            {
                throw new CliUsageException("--agent-key reads the key from stdin, which is a terminal. " + KeyHint);
            }

            value = await context.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            return fromEnvironment;
        }

        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            throw new CliUsageException($"No agent key in {source}. " + KeyHint);
        }

        return value;
    }
}
