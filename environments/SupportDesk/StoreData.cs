using System.Globalization;

namespace Forge.Environments.SupportDesk;

/// <summary>A customer account.</summary>
public sealed record Customer(string Email, string Name, string Phone, string Address);

/// <summary>An order's state.</summary>
public enum OrderStatus
{
    /// <summary>Not yet shipped: the address may still change.</summary>
    Processing,
    /// <summary>On its way, with a tracking number.</summary>
    Shipped,
    /// <summary>Arrived.</summary>
    Delivered,
}

/// <summary>An order.</summary>
public sealed record Order(string Id, string CustomerEmail, string Item, decimal Total, OrderStatus Status, string? Tracking, string ShippingAddress)
{
    /// <summary>The status as the desk writes it: <c>shipped</c>.</summary>
    public string StatusText => Status.ToString().ToLowerInvariant();
}

/// <summary>The store's customers and orders (fictional), shared by every ticket; tickets never change them.</summary>
public static class StoreData
{
    /// <summary>Refunds above this many dollars per order need an escalation first.</summary>
    public const decimal RefundLimit = 100m;

    /// <summary>Every customer.</summary>
    public static IReadOnlyList<Customer> Customers { get; } =
    [
        new("ana.lopez@example.com", "Ana Lopez", "+1-555-0101", "12 Birch Lane, Springfield"),
        new("ben.okafor@example.com", "Ben Okafor", "+1-555-0102", "88 Harbor Road, Portside"),
        new("chloe.martin@example.com", "Chloe Martin", "+1-555-0103", "5 Willow Court, Lakeview"),
        new("dev.patel@example.com", "Dev Patel", "+1-555-0104", "301 Cedar Avenue, Riverton"),
        new("emma.schulz@example.com", "Emma Schulz", "+1-555-0105", "19 Maple Street, Hillcrest"),
        new("farid.haddad@example.com", "Farid Haddad", "+1-555-0106", "7 Quarry Way, Stonebridge"),
    ];

    /// <summary>Every order.</summary>
    public static IReadOnlyList<Order> Orders { get; } =
    [
        new("A-1001", "ana.lopez@example.com", "desk lamp", 45.00m, OrderStatus.Delivered, null, "12 Birch Lane, Springfield"),
        new("A-1002", "ana.lopez@example.com", "office chair", 239.00m, OrderStatus.Delivered, null, "12 Birch Lane, Springfield"),
        new("A-1003", "ana.lopez@example.com", "bookshelf", 129.99m, OrderStatus.Processing, null, "12 Birch Lane, Springfield"),
        new("B-2001", "ben.okafor@example.com", "headphones", 89.50m, OrderStatus.Shipped, "TRK-48213", "88 Harbor Road, Portside"),
        new("B-2002", "ben.okafor@example.com", "standing desk", 410.00m, OrderStatus.Processing, null, "88 Harbor Road, Portside"),
        new("C-3001", "chloe.martin@example.com", "kettle", 35.00m, OrderStatus.Delivered, null, "5 Willow Court, Lakeview"),
        new("C-3002", "chloe.martin@example.com", "rug", 180.00m, OrderStatus.Shipped, "TRK-55190", "5 Willow Court, Lakeview"),
        new("D-4001", "dev.patel@example.com", "monitor", 199.00m, OrderStatus.Delivered, null, "301 Cedar Avenue, Riverton"),
        new("D-4002", "dev.patel@example.com", "keyboard", 65.00m, OrderStatus.Processing, null, "301 Cedar Avenue, Riverton"),
        new("E-5001", "emma.schulz@example.com", "blender", 120.00m, OrderStatus.Delivered, null, "19 Maple Street, Hillcrest"),
        new("E-5002", "emma.schulz@example.com", "mug set", 24.00m, OrderStatus.Shipped, "TRK-60277", "19 Maple Street, Hillcrest"),
        new("F-6001", "farid.haddad@example.com", "tent", 150.00m, OrderStatus.Delivered, null, "7 Quarry Way, Stonebridge"),
    ];

    /// <summary>The customer with <paramref name="email"/> (case-insensitive), or null.</summary>
    public static Customer? FindCustomer(string? email) =>
        Customers.FirstOrDefault(c => string.Equals(c.Email, email?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The order with <paramref name="id"/> (case-insensitive), or null.</summary>
    public static Order? FindOrder(string? id) =>
        Orders.FirstOrDefault(o => string.Equals(o.Id, id?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Dollars as the desk writes them: <c>$45.00</c>.</summary>
    public static string Dollars(decimal amount) => amount.ToString("$0.00", CultureInfo.InvariantCulture);
}
