using System.Security.Cryptography;
using System.Text;
using Forge.Serving.Api;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Hosting;

/// <summary>With an API key set, every request but <c>/health</c> must carry <c>Authorization: Bearer KEY</c>; others get 401.</summary>
internal static class ApiKeyCheck
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next, string? key)
    {
        if (key is null || context.Request.Path.StartsWithSegments("/health") || Matches(context.Request.Headers.Authorization.ToString(), key))
        {
            await next();
            return;
        }
        await ErrorResponses.WriteAsync(context, new ApiException(401,
            "Missing or wrong API key: send it as 'Authorization: Bearer KEY'.", null, "invalid_request_error", "invalid_api_key"));
    }

    private static bool Matches(string header, string key)
    {
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim()), Encoding.UTF8.GetBytes(key));
    }
}
