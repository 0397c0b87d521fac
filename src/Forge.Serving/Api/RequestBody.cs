using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Api;

/// <summary>Reads a request body as JSON within the server's size cap: 413 past the cap, 400 for bad JSON.</summary>
internal static class RequestBody
{
    public static async Task<JsonDocument> ReadJsonAsync(HttpContext context, long maxBytes)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiException(413, $"The request body is larger than this server accepts ({maxBytes} bytes).", null, code: "request_too_large");
        }
        catch (JsonException e)
        {
            throw new ApiException(400, $"The request body is not valid JSON: {e.Message}");
        }
    }
}
