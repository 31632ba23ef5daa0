using Microsoft.Extensions.Hosting;

namespace Codex.Auth.Proxy.Internal;

/// <summary>Resolves and checks the host credential when the app starts, so that a bad one stops the start.</summary>
internal sealed class HostCredentialsStartup(HostCredentials credentials) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => credentials.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
