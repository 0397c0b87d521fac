using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Api;

/// <summary>Writes <see cref="ApiException"/>s as OpenAI's error JSON with their status (and <c>Retry-After</c> when given).</summary>
internal static class ErrorResponses
{
    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (error.Status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Json(error), context.RequestAborted);
    }

    public static string Json(ApiException error)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", error.Message);
            w.WriteString("type", error.Type);
            if (error.Param is null) w.WriteNull("param"); else w.WriteString("param", error.Param);
            if (error.Code is null) w.WriteNull("code"); else w.WriteString("code", error.Code);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
