using Codex.Auth;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;

/// <summary>
/// The "refresh" mode both helper programs share (this file is linked into Codex.Auth.Redis.ProcessHelper): wait for the start
/// file, send the requests through CodexAuthHandler + ChatGptTokenProvider, print "status=&lt;codes&gt; fingerprint=&lt;fp&gt;".
/// </summary>
internal static class RefreshRun
{
    public static async Task<int> RunAsync(ChatGptTokenProviderOptions options, Uri backend, int requests, string startFile)
    {
        while (!File.Exists(startFile))
        {
            await Task.Delay(5);
        }

        using var provider = new ChatGptTokenProvider(options);
        using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() });
        var codes = new List<int>();
        for (int i = 0; i < requests; i++)
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri(backend.AbsoluteUri.TrimEnd('/') + "/models"));
            codes.Add((int)response.StatusCode);
        }

        AuthHeaders headers = await provider.GetHeadersAsync();
        Console.WriteLine($"status={string.Join(",", codes)} fingerprint={headers.Fingerprint}");
        return 0;
    }
}
