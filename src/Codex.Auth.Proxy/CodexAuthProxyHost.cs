using System.Net;
using System.Security.Cryptography.X509Certificates;
using Codex.Auth.Proxy.Diagnostics;
using Codex.Auth.Proxy.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Proxy;

/// <summary>
/// The Codex auth proxy on its own Kestrel server: listens where <see cref="CodexAuthProxyOptions"/> says (loopback unless remote
/// listening is explicitly allowed with an agent key), serves HTTP or HTTPS, and stops when disposed.
/// </summary>
/// <example>
/// <code>
/// await using CodexAuthProxyHost proxy = await CodexAuthProxyHost.StartAsync(new CodexAuthProxyOptions
/// {
///     ForwardHostCredentials = true,
///     Tls = { Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority, ExportCaCertificatePath = "ca.pem" },
/// });
/// Console.WriteLine($"chatgpt_base_url = \"{proxy.Address}backend-api/\"");
/// </code>
/// </example>
public sealed class CodexAuthProxyHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2? _certificate;
    private int _disposed;

    private CodexAuthProxyHost(WebApplication app, Uri address, X509Certificate2? certificate, string? caCertificatePath)
    {
        _app = app;
        Address = address;
        _certificate = certificate;
        CaCertificatePath = caCertificatePath;
    }

    /// <summary>Gets the bound address, for example <c>https://127.0.0.1:41234/</c> (always with a trailing slash).</summary>
    public Uri Address { get; }

    /// <summary>Gets where the CA certificate was written for the agent's <c>CODEX_CA_CERTIFICATE</c>, or <see langword="null"/>.</summary>
    public string? CaCertificatePath { get; }

    /// <summary>Gets the proxy app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Validates the options, resolves and checks the host credential (forward mode), prepares TLS and starts listening.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running proxy; dispose it to stop it.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid (<see cref="CodexAuthProxyOptions.Validate"/>); each failure names it.</exception>
    /// <exception cref="InvalidOperationException">The listen address or TLS cannot be used, for example a non-loopback address without <see cref="CodexAuthProxyOptions.AllowRemote"/> and an agent key.</exception>
    /// <exception cref="CodexAuthException">Forward mode and the host credential is missing, an API key, malformed or expired; the message says what to run.</exception>
    public static async Task<CodexAuthProxyHost> StartAsync(CodexAuthProxyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IPAddress listen = options.ParseListenAddress();
        if (!IPAddress.IsLoopback(listen) && !(options.AllowRemote && !string.IsNullOrEmpty(options.AgentKey)))
        {
            throw new InvalidOperationException(
                $"Refusing to listen on {listen}, which is reachable from other machines: set {nameof(CodexAuthProxyOptions.AllowRemote)} and an " +
                $"{nameof(CodexAuthProxyOptions.AgentKey)} that every client sends in {CodexAuthProxyOptions.AgentKeyHeaderName}, or listen on 127.0.0.1.");
        }

        if (!IPAddress.IsLoopback(listen) && options.Tls.Mode == CodexAuthProxyTlsMode.None)
        {
            throw new InvalidOperationException(
                $"Refusing to listen on {listen} without TLS: the agent key and the injected credentials would cross the network in cleartext. " +
                "Serve HTTPS (Tls.Mode = LocalCertificateAuthority or PemFiles; `codex-auth proxy --tls`), or listen on 127.0.0.1.");
        }

        (X509Certificate2? certificate, string? caPath) = PrepareTls(options, listen);
        WebApplication? app = null;
        try
        {
            // An empty builder: no configuration sources at all. A slim or default builder reads appsettings.json from the working
            // directory and every environment variable, and Kestrel binds whatever "Kestrel:Endpoints" they name besides the
            // listener below: an appsettings.json planted where the proxy starts (an agent's project directory) opened a second,
            // non-loopback, plain-HTTP port serving the host's credentials. It also spares the config file watcher and JSON
            // configuration at start-up. Everything the proxy needs is set in code from the options.
            WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(CodexAuthProxyHost).Assembly.GetName().Name });
            builder.WebHost.UseKestrelCore();
            builder.Services.AddRoutingCore();
            builder.Logging.ClearProviders();
            if (options.LoggerFactory is { } loggerFactory)
            {
                builder.Services.AddSingleton<ILoggerFactory>(new UrlQuietLoggerFactory(loggerFactory));
            }

            builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
                kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersTotalSize * 2; // the pipeline answers over 1× with a JSON reason
                kestrel.Limits.KeepAliveTimeout = options.IdleTimeout;
                kestrel.Listen(listen, options.Port, listenOptions =>
                {
                    listenOptions.Protocols = HttpProtocols.Http1AndHttp2;
                    if (certificate is not null)
                    {
                        listenOptions.UseHttps(certificate);
                    }
                });
            });
            builder.Services.AddCodexAuthProxy(options);
            WithoutDataProtectionStartup(builder.Services);
            app = builder.Build();
            app.MapCodexAuthProxy();

            await app.Services.GetRequiredService<HostCredentials>().InitializeAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                throw new InvalidOperationException($"The proxy cannot listen on {listen}:{options.Port}: {ex.Message}", ex);
            }
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var address = new Uri(bound.TrimEnd('/') + "/", UriKind.Absolute);
            ProxyLog.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(ProxyLog.Category), address, options.ForwardHostCredentials);
            return new CodexAuthProxyHost(app, address, certificate, caPath);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            certificate?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops accepting connections, waits up to <see cref="CodexAuthProxyOptions.DrainTimeout"/> for requests in flight (streams
    /// included), cuts the rest, and releases the host credential (when the proxy resolved it).
    /// </summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _certificate?.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"CodexAuthProxyHost {Address}";

    /// <summary>
    /// YARP registers ASP.NET Core Data Protection for its session-affinity cookies, which this proxy never configures. Data
    /// Protection's hosted service loads (or creates and writes) a key ring under <c>~/.aspnet</c> at start, which loads the XML
    /// stack (~4 MiB resident) and a file write for nothing. Without the hosted service the key ring is still loaded on first use.
    /// </summary>
    private static void WithoutDataProtectionStartup(IServiceCollection services)
    {
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService)
                && services[i].ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService")
            {
                services.RemoveAt(i);
            }
        }
    }

    private static (X509Certificate2? Certificate, string? CaPath) PrepareTls(CodexAuthProxyOptions options, IPAddress listen)
    {
        CodexAuthProxyTlsOptions tls = options.Tls;
        switch (tls.Mode)
        {
            case CodexAuthProxyTlsMode.None:
                return (null, null);
            case CodexAuthProxyTlsMode.PemFiles:
                // Both paths are set: the options validator checked it.
                try
                {
                    using X509Certificate2 loaded = X509Certificate2.CreateFromPemFile(tls.CertificatePemPath!, tls.KeyPemPath);
                    return (X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), password: null), null);
                }
                catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
                {
                    throw new InvalidOperationException($"The TLS certificate {tls.CertificatePemPath} or key {tls.KeyPemPath} cannot be loaded: {ex.Message}", ex);
                }

            case CodexAuthProxyTlsMode.LocalCertificateAuthority:
            {
                var names = new List<string> { "localhost" };
                if (listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any))
                {
                    names.Add(IPAddress.Loopback.ToString());
                    names.Add(IPAddress.IPv6Loopback.ToString());
                    names.Add(Dns.GetHostName());
                }
                else
                {
                    names.Insert(0, listen.ToString());
                }

                names.AddRange(tls.AdditionalNames);

                // The CA is constrained to exactly these names: a leaked CA key cannot vouch for any other host.
                using LocalCertificateAuthority ca = LocalCertificateAuthority.LoadOrCreate(tls.CertificateAuthorityDirectory, names);
                string? caPath = null;
                if (!string.IsNullOrWhiteSpace(tls.ExportCaCertificatePath))
                {
                    ca.ExportCertificate(tls.ExportCaCertificatePath);
                    caPath = Path.GetFullPath(tls.ExportCaCertificatePath);
                }

                return (ca.IssueServerCertificate(names), caPath);
            }

            default:
                throw new InvalidOperationException($"Unknown TLS mode {tls.Mode}.");
        }
    }
}
