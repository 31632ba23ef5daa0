using Codex.Auth.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Internal;

/// <summary>
/// The one way providers raise their events: after the new state is published and outside every lock (the caller's
/// duty), each subscriber on its own, so that a subscriber that throws neither stops the others nor fails the request
/// or refresh that raised the event. The exception is logged by type only (its message may carry anything).
/// </summary>
internal static class ProviderEvents
{
    public static void Raise<T>(EventHandler<T>? handler, object sender, T args, ILogger logger, string eventName)
    {
        if (handler is null)
        {
            return;
        }

        foreach (Delegate subscriber in handler.GetInvocationList())
        {
            try
            {
                ((EventHandler<T>)subscriber)(sender, args);
            }
#pragma warning disable CA1031 // A subscriber's failure is not the provider's: contain every exception.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.SubscriberFailed(logger, eventName, ex.GetType().Name);
            }
        }
    }
}
