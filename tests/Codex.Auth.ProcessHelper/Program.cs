// Modes:
//   refresh <codexHome> <tokenUrl> <backendUrl> <requests> <startFile> [keyring]
//       waits until <startFile> exists (so all processes start together), then sends <requests> requests through
//       CodexAuthHandler + ChatGptTokenProvider and prints "status=<codes> fingerprint=<fp>". With "keyring" the
//       credentials are in the OS keyring (the Secret Service named by DBUS_SESSION_BUS_ADDRESS), not auth.json.
//   write-loop <codexHome>
//       rewrites auth.json forever, alternating two complete documents; the test SIGKILLs it.
//   save-once <codexHome>
//       saves one API-key document (the test traces its system calls).
using Codex.Auth;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Storage;
using Codex.Auth.Storage.Keyring;

switch (args[0])
{
    case "refresh":
    {
        string home = args[1];
        var tokenUrl = new Uri(args[2]);
        var backend = new Uri(args[3]);
        int requests = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        string startFile = args[5];
        using KeyringCredentialStore? keyring = args.Length > 6 && args[6] == "keyring" ? new KeyringCredentialStore(home) : null;
        return await RefreshRun.RunAsync(
            new ChatGptTokenProviderOptions { CodexHome = home, CredentialStore = keyring, RefreshTokenUrl = tokenUrl, BaseUrl = backend, RefreshRetryDelay = TimeSpan.Zero },
            backend,
            requests,
            startFile);
    }

    case "write-loop":
    {
        var store = new FileCredentialStore(args[1]);
        string padding = new('x', 64 * 1024);
        CodexAuthDocument a = CodexAuthDocument.Parse($$"""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-a","pad":"{{padding}}","which":"A"}""", "a");
        CodexAuthDocument b = CodexAuthDocument.Parse($$"""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-b","pad":"{{padding}}{{padding}}","which":"B"}""", "b");
        await store.SaveAsync(a);
        Console.WriteLine("ready");
        for (long i = 0; ; i++)
        {
            await store.SaveAsync(i % 2 == 0 ? b : a);
        }
    }

    case "save-once":
    {
        await new FileCredentialStore(args[1]).SaveAsync(CodexAuthDocument.CreateApiKey("sk-traced"));
        return 0;
    }

    default:
        Console.Error.WriteLine("unknown mode");
        return 2;
}
