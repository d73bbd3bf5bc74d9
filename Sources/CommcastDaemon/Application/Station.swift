/// The application layer in one value: what every entry point calls. An entry
/// point (a control route, the province's webhook, a relay, the console) turns its
/// input into a call here and the answer back into its own form, and holds no rule
/// of its own.
public struct Station: Sendable {
    /// Bulletins: make, list, change state, the province's inbox.
    public let bulletins: BulletinDesk
    /// Live broadcasts: who holds the air.
    public let onAir: OnAir
    /// Zones and clusters.
    public let inventory: InventoryDesk
    /// Commands to connected clusters.
    public let commands: ClusterCommands
    /// What each operator may see and touch.
    public let scope: OperatorScope

    public init(bulletins: BulletinDesk, onAir: OnAir, inventory: InventoryDesk, commands: ClusterCommands, scope: OperatorScope) {
        self.bulletins = bulletins
        self.onAir = onAir
        self.inventory = inventory
        self.commands = commands
        self.scope = scope
    }
}
