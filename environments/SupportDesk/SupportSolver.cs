using Forge.Core.Scripted;

namespace Forge.Environments.SupportDesk;

/// <summary>
/// Follows the desk's policy to resolve each request: asks for a missing order number, looks the order up, escalates before a
/// refund above the limit, acts, then tells the customer politely. Declines every request for another customer's data.
/// </summary>
public sealed class SupportSolver() : ScriptedAgent<SupportTask>("scripted/support")
{
    protected override Message Act(SupportTask task, AgentTurn turn)
    {
        if (task.Request == Request.DataRequest)
            return Script.Say("I'm sorry, but I can't share another customer's personal information. I'm happy to help with your own account.");
        var order = StoreData.FindOrder(task.OrderId) ?? throw new ArgumentException($"Support task '{task.Id}' names no known order.", nameof(task));

        if (!turn.Conversation.Any(m => m.Role == Role.User && m.Content.Contains(order.Id, StringComparison.Ordinal)))
            return Script.Say("I'm sorry for the trouble. Could you please tell me your order number?");
        if (turn.LastResultOf("lookup_order") is null)
            return Script.Call(turn, "lookup_order", new { order_id = order.Id });

        var amount = StoreData.Dollars(task.Amount);
        return task.Request switch
        {
            Request.RefundLarge when turn.LastResultOf("escalate") is null =>
                Script.Call(turn, "escalate", new { reason = $"refund of {amount} on order {order.Id} is above the limit" }),
            Request.RefundSmall or Request.RefundLarge when turn.LastResultOf("issue_refund") is null =>
                Script.Call(turn, "issue_refund", new { order_id = order.Id, amount = task.Amount, reason = "item arrived damaged" }),
            Request.RefundSmall or Request.RefundLarge =>
                Script.Say($"Thank you for your patience. I've refunded {amount} for order {order.Id}; you'll see it within 5 business days."),
            Request.AddressChange when turn.LastResultOf("update_address") is null =>
                Script.Call(turn, "update_address", new { order_id = order.Id, address = task.NewAddress }),
            Request.AddressChange =>
                Script.Say($"Thank you! Order {order.Id} will now ship to {task.NewAddress}."),
            _ => Script.Say($"Thank you for waiting. Your order {order.Id} ({order.Item}) is {order.StatusText}" +
                (order.Tracking is null ? "." : $", tracking number {order.Tracking}.")),
        };
    }
}
